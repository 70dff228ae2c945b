"""Build the deployable artifact: one SAM template and one code zip for the API and every worker.

Steps (``make package``):

1. ``chalice package --stage STAGE --merge-template infra/template.yaml build/package`` (run in-process
   through Chalice's own CLI factory so that we can tell it not to manage the API's IAM role: SAM builds
   that role from the ``Policies`` that infra/template.yaml merges into ``APIHandler``).
2. Chalice packages only ``app.py``, ``chalicelib/`` and ``vendor/``: add ``functions/`` to the same zip,
   and point every worker function's ``CodeUri`` at it.
3. Write ``build/package/sam.yaml`` and run ``cfn-lint`` on it; exit non-zero on lint errors.

Chalice downloads Lambda (manylinux) wheels for requirements.txt the first time and caches the
result in ``.chalice/deployments/`` keyed by the requirements and the code, so later runs take well
under a second and need no network.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
# Chalice needs some role ARN when it does not manage the role; package() removes it again.
_PLACEHOLDER_ROLE = "arn:aws:iam::123456789012:role/replaced-by-sam-policies"
_CFN_LINT_ERROR_BIT = 2  # cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = info


def run_chalice_package(project_dir: Path, stage: str, out_dir: Path) -> None:
    from chalice.cli.factory import CLIFactory

    factory = CLIFactory(project_dir=str(project_dir))
    config = factory.create_config_obj(
        stage, user_provided_params={"manage_iam_role": False, "iam_role_arn": _PLACEHOLDER_ROLE}
    )
    packager = factory.create_app_packager(
        config, factory.create_package_options(), "cloudformation", "yaml", str(TEMPLATE)
    )
    cwd = Path.cwd()
    os.chdir(project_dir)  # Chalice resolves the merge template and vendor/ relative to the cwd
    try:
        packager.package_app(config, str(out_dir), stage)
    finally:
        os.chdir(cwd)


def add_functions_to_zip(project_dir: Path, zip_path: Path) -> int:
    added = 0
    with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        existing = set(archive.namelist())
        for path in sorted((project_dir / "functions").rglob("*.py")):
            name = path.relative_to(project_dir).as_posix()
            if "__pycache__" in name or name in existing:
                continue
            archive.write(path, name)
            added += 1
    return added


def load_template(path: Path) -> dict[str, Any]:
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches or template is None:
        raise SystemExit(f"cannot parse {path}: {matches}")
    # cfnlint's node types are dict/str subclasses: a JSON round trip gives plain data for yaml.
    return json.loads(json.dumps(template))


def finish_template(template: dict[str, Any], stage: str, code_uri: str) -> list[str]:
    """Point workers at the shared zip and hand the API's role to SAM. Returns the worker ids."""
    resources = template["Resources"]
    template["Parameters"]["Stage"]["Default"] = stage
    api = resources["APIHandler"]["Properties"]
    api.pop("Role", None)
    workers = []
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function" and logical_id != "APIHandler":
            resource["Properties"]["CodeUri"] = code_uri
            workers.append(logical_id)
    return workers


def inline_state_machines(template: dict[str, Any], project_dir: Path) -> list[str]:
    """Inline ``DefinitionUri: statemachines/x.asl.json`` (relative to the project, as the local cloud reads
    it): the packaged template lives in build/package/, where that relative path would not resolve."""
    inlined = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        uri = props.get("DefinitionUri")
        if resource.get("Type") == "AWS::Serverless::StateMachine" and isinstance(uri, str):
            props["Definition"] = json.loads((project_dir / uri).read_text())
            del props["DefinitionUri"]
            inlined.append(logical_id)
    return inlined


def lint(path: Path) -> int:
    # cfn-lint installs a console script next to the interpreter; it has no ``python -m`` entry point.
    exe = Path(sys.executable).with_name("cfn-lint")
    argv = [str(exe)] if exe.exists() else [shutil.which("cfn-lint") or "cfn-lint"]
    result = subprocess.run([*argv, str(path)], check=False, capture_output=True, text=True)  # noqa: S603
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev", choices=["local", "dev", "prod"])
    parser.add_argument("--out", default="build/package", help="output folder (relative to the project)")
    parser.add_argument("--project-dir", default=str(ROOT))
    parser.add_argument("--no-lint", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    started = time.monotonic()
    project_dir = Path(args.project_dir).resolve()
    out_dir = (project_dir / args.out).resolve()
    run_chalice_package(project_dir, args.stage, out_dir)
    zip_path = out_dir / "deployment.zip"
    added = add_functions_to_zip(project_dir, zip_path)
    sam_path = out_dir / "sam.yaml"
    template = load_template(sam_path)
    workers = finish_template(template, args.stage, "./deployment.zip")
    inline_state_machines(template, project_dir)
    sam_path.write_text(yaml.safe_dump(template, sort_keys=False, width=120))
    print(
        f"packaged stage {args.stage}: {sam_path.relative_to(project_dir)}, {zip_path.name} "
        f"(+{added} files from functions/), workers {', '.join(workers)} "
        f"in {time.monotonic() - started:.1f}s"
    )
    if args.no_lint:
        return 0
    code = lint(sam_path)
    if code == 1 or code & _CFN_LINT_ERROR_BIT:  # 1 = cfn-lint itself failed
        print("cfn-lint found errors", file=sys.stderr)
        return 1
    print("cfn-lint: no errors" + (" (warnings above)" if code else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
