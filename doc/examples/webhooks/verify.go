// Verifying a GPUaaS webhook delivery with Go's standard library only (crypto/hmac).
//
//	GPUAAS_WEBHOOK_SECRETS="whsec_..." PORT=8080 go run verify.go
//
// Standard Webhooks: the signed content is "{webhook-id}.{webhook-timestamp}.{raw body}", the key is
// the base64 after "whsec_", and webhook-signature lists "v1,<base64 HMAC-SHA256>" entries separated
// by spaces (two during a secret rotation). Verify the raw body, before any JSON parsing.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

const tolerance = 5 * time.Minute

var errUnverified = errors.New("webhook not verified")

func keyOf(secret string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
}

// VerifyWebhook returns the event if any of secrets signed body with these headers, within 5 minutes of now.
func VerifyWebhook(body []byte, header http.Header, secrets []string, now time.Time) (map[string]any, error) {
	id, ts, signatures := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || ts == "" || signatures == "" {
		return nil, errUnverified
	}
	seconds, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, errUnverified
	}
	if d := now.Sub(time.Unix(seconds, 0)); d > tolerance || d < -tolerance {
		return nil, errUnverified // a replay, or a clock far off
	}
	for _, secret := range secrets {
		key, err := keyOf(secret)
		if err != nil || len(key) == 0 {
			return nil, errors.New("not a whsec_ secret")
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + ts + "."))
		mac.Write(body)
		expected := mac.Sum(nil)
		for _, entry := range strings.Split(signatures, " ") {
			version, value, found := strings.Cut(entry, ",")
			if !found || version != "v1" {
				continue
			}
			given, err := base64.StdEncoding.DecodeString(value)
			if err == nil && hmac.Equal(given, expected) {
				var event map[string]any
				if err := json.Unmarshal(body, &event); err != nil {
					return nil, err
				}
				return event, nil
			}
		}
	}
	return nil, errUnverified
}

func main() {
	secrets := strings.Fields(os.Getenv("GPUAAS_WEBHOOK_SECRETS"))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		event, err := VerifyWebhook(body, r.Header, secrets, time.Now())
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		// webhook-id is the same across retries: deduplicate on it before acting.
		log.Printf("%v %v", event["type"], event["id"])
		w.WriteHeader(http.StatusNoContent)
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
