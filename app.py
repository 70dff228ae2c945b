"""The GPUaaS REST API (Chalice on API Gateway REST). Routes live in chalicelib/api/*_routes.py."""

from chalice.app import Chalice

from chalicelib.api import (
    allocation_routes,
    billing_routes,
    event_routes,
    fleet_routes,
    identity_routes,
    inventory_routes,
    log_routes,
    notification_routes,
    payment_routes,
    ssh_key_routes,
    system_routes,
    terminal_routes,
    webhook_routes,
)
from chalicelib.api.routing import Api
from chalicelib.core.settings import get_settings

app = Chalice(app_name="gpuaas")
api = Api(app)

system_routes.register(api)
identity_routes.register(api)
inventory_routes.register(api)
fleet_routes.register(api)
ssh_key_routes.register(api)
allocation_routes.register(api)
billing_routes.register(api)
payment_routes.register(api)
log_routes.register(api)
terminal_routes.register(api)
event_routes.register(api)
notification_routes.register(api)
webhook_routes.register(api)
if get_settings().is_local:
    system_routes.register_dev_issuer(api)
    payment_routes.register_dev(api)
