"""Start and drive the uoms sandbox (tests/sandbox) from Python tests; standard library only.

    with Sandbox(default_config()) as sb:
        sb.fault("429", path_contains="/ordersheets")
        status, headers, body = sb.request("GET", "/__sandbox/health")

The binary comes from the argument or from UOMS_SANDBOX_BIN. The server picks a free port
and writes it to a port file; base_url is ready once start() returns.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

KST = datetime.timezone(datetime.timedelta(hours=9))

COUPANG_VENDOR = "A00012345"
# The official sample key pair (coupang.md §2.8).
COUPANG_ACCESS_KEY = "0a3a0f34-7852-4ad8-9368-766290b8b1ab"
COUPANG_SECRET_KEY = "7ffcdf980d908fe7ca3d642868e22f99f0306bf5"
SMARTSTORE_CLIENT_ID = "aaaabbbbcccc"
# Cost 4 keeps token requests fast; the format is a real bcrypt salt.
SMARTSTORE_CLIENT_SECRET = "$2a$04$abcdefghijklmnopqrstuv"
# Shopee: the official guide's partner_id and the PHP demo's partner key (shopee.md §1.11).
SHOPEE_PARTNER_ID = 2001887
SHOPEE_PARTNER_KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
SHOPEE_SHOP_ID = 14701711
# Good for exactly one auth/access_token/get: refresh tokens are single-use.
SHOPEE_REFRESH_TOKEN = "sandbox-initial-refresh-token-0001"
QOO10_USER_ID = "qoo10seller1"
QOO10_API_KEY = "qoo10-sandbox-api-key-0001"
QOO10_PASSWORD = "qoo10-sandbox-password"
PLAYAUTO_EMAIL = "seller@example.com"
PLAYAUTO_API_KEY = "playauto-sandbox-api-key-0001"
PLAYAUTO_PASSWORD = "playauto-sandbox-password"
JST = datetime.timezone(datetime.timedelta(hours=9))

QOO10_BASE = "/GMKT.INC.Front.QAPIService/ebayjapan.qapi"
PLAYAUTO_BASE = "/api"


def default_config(orders=50, spread_hours=72, **top):
    """One account of each kind, like tests/sandbox/default.json (Coupang first, Smartstore second)."""
    config = {
        "seed": 1,
        "latency_ms": 0,
        "rate_limit": 0,
        "token_ttl_s": 10800,
        "shopee_token_ttl_s": 14400,
        "qoo10_key_ttl_s": 31536000,
        "playauto_token_ttl_s": 86400,
        "accounts": [
            {"kind": "coupang", "vendor_id": COUPANG_VENDOR, "access_key": COUPANG_ACCESS_KEY,
             "secret_key": COUPANG_SECRET_KEY, "orders": orders, "spread_hours": spread_hours},
            {"kind": "smartstore", "client_id": SMARTSTORE_CLIENT_ID,
             "client_secret": SMARTSTORE_CLIENT_SECRET, "orders": orders, "spread_hours": spread_hours},
            {"kind": "shopee", "partner_id": SHOPEE_PARTNER_ID, "partner_key": SHOPEE_PARTNER_KEY,
             "shop_id": SHOPEE_SHOP_ID, "refresh_token": SHOPEE_REFRESH_TOKEN, "region": "SG",
             "orders": orders, "spread_hours": spread_hours},
            {"kind": "qoo10jp", "user_id": QOO10_USER_ID, "api_key": QOO10_API_KEY, "password": QOO10_PASSWORD,
             "orders": orders, "spread_hours": spread_hours},
            {"kind": "playauto", "email": PLAYAUTO_EMAIL, "api_key": PLAYAUTO_API_KEY,
             "password": PLAYAUTO_PASSWORD, "orders": orders, "spread_hours": spread_hours},
        ],
    }
    config.update(top)
    return config


def account_config(config, kind):
    """The first account of `kind` in a config (to set per-account options such as duplicate_across_pages)."""
    return next(a for a in config["accounts"] if a["kind"] == kind)


def shopee_sign(path, timestamp, access_token=None, shop_id=None, partner_id=SHOPEE_PARTNER_ID,
                partner_key=SHOPEE_PARTNER_KEY):
    """Lowercase hex HMAC-SHA256 over partner_id + path + timestamp (+ access_token + shop_id)."""
    base = f"{partner_id}{path}{timestamp}"
    if access_token is not None:
        base += f"{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def shopee_query(path, access_token=None, shop_id=SHOPEE_SHOP_ID, timestamp=None, partner_id=SHOPEE_PARTNER_ID,
                 partner_key=SHOPEE_PARTNER_KEY, **params):
    """The signed query of a Shopee call: common parameters, then `params` (URL-encoded)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    fields = {"partner_id": partner_id, "timestamp": timestamp}
    if access_token is not None:
        fields["access_token"] = access_token
        fields["shop_id"] = shop_id
        fields["sign"] = shopee_sign(path, timestamp, access_token, shop_id, partner_id, partner_key)
    else:
        fields["sign"] = shopee_sign(path, timestamp, partner_id=partner_id, partner_key=partner_key)
    fields.update(params)
    return urllib.parse.urlencode(fields)


def qoo10_time(when, seconds=True):
    """`yyyyMMddHHmmss` (or `yyyyMMdd`) in JST."""
    return when.astimezone(JST).strftime("%Y%m%d%H%M%S" if seconds else "%Y%m%d")


def parse_kst(text):
    """PlayAuto's `2026-11-22 10:00:00` (KST)."""
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)


def coupang_signed_date(when=None):
    """`yyMMdd'T'HHmmss'Z'` in UTC."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).strftime("%y%m%dT%H%M%SZ")


def coupang_authorization(method, path, query, access_key=COUPANG_ACCESS_KEY,
                          secret_key=COUPANG_SECRET_KEY, signed_date=None):
    """The CEA header over signed-date + method + path + query (query as sent, no '?')."""
    signed_date = signed_date or coupang_signed_date()
    message = signed_date + method + path + query
    signature = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return (f"CEA algorithm=HmacSHA256, access-key={access_key}, "
            f"signed-date={signed_date}, signature={signature}")


def coupang_minute(when):
    """`2025-07-29T00:01%2B09:00`: a v5 minute-mode query value, already encoded."""
    return when.astimezone(KST).strftime("%Y-%m-%dT%H:%M") + "%2B09:00"


def smartstore_time(when, encoded=True):
    """`2022-04-11T15:21:44.000+09:00`, with '+' as %2B for a query when encoded."""
    local = when.astimezone(KST)
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+09:00"
    return text.replace("+", "%2B") if encoded else text


def parse_utc(text):
    """The control API's `2026-11-22T15:29:39.123Z`."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


class Sandbox:
    """A running uoms-sandbox process; a context manager that stops it on exit."""

    def __init__(self, config=None, binary=None, start_timeout=15.0):
        self.config = config if config is not None else default_config()
        self.binary = binary or os.environ.get("UOMS_SANDBOX_BIN", "")
        self.start_timeout = start_timeout
        self.process = None
        self.port = None
        self.dir = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self):
        if not self.binary or not os.path.exists(self.binary):
            raise RuntimeError(f"sandbox binary not found: {self.binary!r} (set UOMS_SANDBOX_BIN)")
        self.dir = tempfile.mkdtemp(prefix="uoms-sandbox-")
        config_path = os.path.join(self.dir, "sandbox.json")
        port_file = os.path.join(self.dir, "port")
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(self.config, f)
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [self.binary, "--config", config_path, "--port", "0", "--port-file", port_file],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.process.returncode}: {self.stderr()}")
            if os.path.exists(port_file):
                with open(port_file, encoding="utf-8") as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("sandbox did not write its port file in time")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    # --- raw HTTP -------------------------------------------------------------------------

    def request(self, method, path, query="", headers=None, body=None, timeout=30):
        """(status, headers dict, body bytes). `query` is sent verbatim (no '?')."""
        url = self.base_url + path + (("?" + query) if query else "")
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def request_json(self, method, path, query="", headers=None, body=None):
        status, headers, raw = self.request(method, path, query, headers, body)
        return status, headers, json.loads(raw) if raw else None

    def _control(self, method, name, body=None, query=""):
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        status, _, data = self.request_json(method, "/__sandbox/" + name, query, hdrs,
                                            body if body is not None else None)
        if status != 200:
            raise RuntimeError(f"control {method} {name}: HTTP {status}: {data}")
        return data

    # --- control API ----------------------------------------------------------------------

    def health(self):
        return self._control("GET", "health")

    def orders(self, account=None):
        query = "account=" + urllib.parse.quote(account) if account else ""
        return self._control("GET", "orders", query=query)["orders"]

    def fault(self, kind, account=None, path_contains=None, count=1, delay_ms=None, mutate_count=None):
        body = {"kind": kind, "count": count}
        for key, value in (("account", account), ("path_contains", path_contains),
                           ("delay_ms", delay_ms), ("mutate_count", mutate_count)):
            if value is not None:
                body[key] = value
        return self._control("POST", "faults", body)["faults"]

    def faults(self):
        return self._control("GET", "faults")["faults"]

    def clear_faults(self):
        return self._control("DELETE", "faults")

    def mutate(self, account, count=None, ids=None, status=None):
        body = {"account": account}
        if count is not None:
            body["count"] = count
        if ids is not None:
            body["ids"] = list(ids)
        if status is not None:
            body["status"] = status
        return self._control("POST", "mutate", body)["orders"]

    def add(self, account, count=1):
        return self._control("POST", "add", {"account": account, "count": count})["orders"]

    def stats(self):
        return self._control("GET", "stats")

    def reset_stats(self):
        return self._control("POST", "reset_stats", {})

    def hooks(self):
        return self._control("GET", "hooks")["hooks"]

    def clear_hooks(self):
        return self._control("DELETE", "hooks")

    def requests(self, kind=None, account=None):
        """Every marketplace request received: [{kind, account, endpoint, method, path, query, body, status}]."""
        query = "&".join(f"{k}={urllib.parse.quote(v)}" for k, v in (("kind", kind), ("account", account)) if v)
        return self._control("GET", "requests", query=query)["requests"]

    def expire_tokens(self, account=None):
        return self._control("POST", "expire_tokens", {"account": account} if account else {})

    def shopee_auth_code(self, shop_id=SHOPEE_SHOP_ID):
        """A one-time authorization code for auth/token/get (valid 10 minutes)."""
        return self._control("POST", "shopee/auth_code", {"shop_id": shop_id})["code"]

    # --- marketplace helpers --------------------------------------------------------------

    def shopee_refresh(self, refresh_token=SHOPEE_REFRESH_TOKEN, shop_id=SHOPEE_SHOP_ID):
        """(status, body) of auth/access_token/get."""
        path = "/api/v2/auth/access_token/get"
        status, _, body = self.request_json("POST", path, shopee_query(path), {"Content-Type": "application/json"},
                                            {"refresh_token": refresh_token, "partner_id": SHOPEE_PARTNER_ID,
                                             "shop_id": shop_id})
        return status, body

    def shopee_get(self, path, access_token, shop_id=SHOPEE_SHOP_ID, **params):
        """(status, body) of a signed shop GET."""
        status, _, body = self.request_json("GET", path, shopee_query(path, access_token, shop_id, **params))
        return status, body

    def qoo10_call(self, method, key, **params):
        """(status, body) of a REST-style QAPI call: POST form, key in GiosisCertificationKey."""
        params.setdefault("returnType", "application/json")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "QAPIVersion": "1.0"}
        if key is not None:
            headers["GiosisCertificationKey"] = key
        status, _, body = self.request_json("POST", f"{QOO10_BASE}/{method}", "", headers,
                                            urllib.parse.urlencode(params))
        return status, body

    def qoo10_key(self, api_key=QOO10_API_KEY, user_id=QOO10_USER_ID, password=QOO10_PASSWORD):
        status, body = self.qoo10_call("CertificationAPI.CreateCertificationKey", api_key, user_id=user_id,
                                       pwd=password)
        if status != 200 or body.get("ResultCode") != 0:
            raise RuntimeError(f"CreateCertificationKey: HTTP {status}: {body}")
        return body["ResultObject"]

    def playauto_token(self, api_key=PLAYAUTO_API_KEY, email=PLAYAUTO_EMAIL, password=PLAYAUTO_PASSWORD):
        status, _, body = self.request_json("POST", PLAYAUTO_BASE + "/auth", "",
                                            {"x-api-key": api_key, "Content-Type": "application/json"},
                                            {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"POST /auth: HTTP {status}: {body}")
        return body[0]["token"]

    def playauto_orders(self, token, body, api_key=PLAYAUTO_API_KEY):
        """(status, body) of POST /orders."""
        headers = {"x-api-key": api_key, "Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = "Token " + token
        status, _, data = self.request_json("POST", PLAYAUTO_BASE + "/orders", "", headers, body)
        return status, data


def is_connection_dropped(sandbox, method, path, query="", headers=None):
    """True when the server closes the connection without any response."""
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    try:
        conn.request(method, path + (("?" + query) if query else ""), headers=headers or {})
        conn.getresponse()
        return False
    except (http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine):
        return True
    finally:
        conn.close()
