"""Every channel's secrets are masked, not only those of the channels in the pass: a
marketplace that echoes another account's credentials in an error body must not put them
on stdout, stderr or in the job details."""

import http.server
import json
import threading

import uoms_e2e

PA_PASSWORD = "pa-Password-4417-echoed"
PA_API_KEY = "pa-api-key-0932-echoed"


class Echo(http.server.BaseHTTPRequestHandler):
    """A marketplace that rejects every call and echoes what it was told to."""

    def do_GET(self):
        body = json.dumps({"code": "ERROR", "message": f"login {PA_PASSWORD} / key {PA_API_KEY} refused"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class RedactionTest(uoms_e2e.TestCase):
    def test_another_channels_password_echoed_in_an_error_never_appears(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.w.init()
        self.w.ok(["channels", "add", "pa", "--kind", "playauto", "--set", "email=shop@example.com",
                   "--set", "base_url=http://127.0.0.1:9", "--secret", f"api_key={PA_API_KEY}",
                   "--secret", f"password={PA_PASSWORD}"])
        self.w.ok(["channels", "add", "cp", "--kind", "coupang", "--set", "vendor_id=A1",
                   "--set", f"base_url=http://127.0.0.1:{server.server_address[1]}",
                   "--secret", "access_key=ak-0123456789", "--secret", "secret_key=sk-0123456789"])
        outputs = []
        for args in (["collect", "--channel", "cp"], ["--json", "collect", "--channel", "cp"],
                     ["-vv", "collect", "--channel", "cp"], ["channels", "test", "cp"]):
            with self.subTest(args=args):
                code, out, err = self.w.run(args)
                self.assertNotEqual(code, 0)
                self.assertIn("refused", out + err)  # the message is there, masked
                outputs.append(out + err)
        for row in self.w.query("SELECT coalesce(error, '') || ' ' || coalesce(payload, '') FROM job_details"):
            outputs.append(row[0])
        for row in self.w.query("SELECT coalesce(error, '') FROM jobs"):
            outputs.append(row[0])
        joined = "\n".join(outputs)
        self.assertIn("********", joined)
        self.assertNotIn(PA_PASSWORD, joined)
        self.assertNotIn(PA_API_KEY, joined)


if __name__ == "__main__":
    uoms_e2e.main()
