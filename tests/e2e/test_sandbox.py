"""The sandbox enforces the marketplace contracts (docs/marketplaces/coupang.md, smartstore.md,
shopee.md, qoo10jp.md, playauto.md).

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import base64
import concurrent.futures
import ctypes
import ctypes.util
import datetime
import json
import os
import http.client
import signal
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import (COUPANG_ACCESS_KEY, COUPANG_VENDOR, PLAYAUTO_API_KEY, PLAYAUTO_BASE,  # noqa: E402
                     PLAYAUTO_EMAIL, QOO10_API_KEY, QOO10_BASE, QOO10_USER_ID, SHOPEE_PARTNER_ID,
                     SHOPEE_PARTNER_KEY, SHOPEE_REFRESH_TOKEN, SHOPEE_SHOP_ID, SMARTSTORE_CLIENT_ID,
                     SMARTSTORE_CLIENT_SECRET, Sandbox, account_config, coupang_authorization, coupang_minute,
                     coupang_signed_date, default_config, is_connection_dropped, parse_kst, parse_utc,
                     qoo10_time, shopee_query, shopee_sign, smartstore_time)

UTC = datetime.timezone.utc
V5 = f"/v2/providers/openapi/apis/api/v5/vendors/{COUPANG_VENDOR}/ordersheets"
V4 = f"/v2/providers/openapi/apis/api/v4/vendors/{COUPANG_VENDOR}/ordersheets"
TOKEN = "/external/v1/oauth2/token"
CHANGES = "/external/v1/pay-order/seller/product-orders/last-changed-statuses"
QUERY = "/external/v1/pay-order/seller/product-orders/query"
STATUSES = ["ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"]


def libcrypt_bcrypt(password, salt):
    """bcrypt through the system libcrypt (Python's stdlib has none); None if unavailable."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    except OSError:
        return None
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    out = lib.crypt(password.encode(), salt.encode())
    return out.decode() if out and out.startswith(b"$2") else None


def now():
    return datetime.datetime.now(UTC)


def coupang_get(sb, path, query, **auth):
    headers = {"Authorization": coupang_authorization("GET", path, query, **auth)}
    return sb.request_json("GET", path, query, headers)


def minute_query(frm, to, status, next_token=""):
    query = f"createdAtFrom={coupang_minute(frm)}&createdAtTo={coupang_minute(to)}"
    if next_token:
        query += f"&nextToken={next_token}"
    return query + f"&searchType=timeFrame&status={status}"


def form(fields):
    return "&".join(f"{k}={v}" for k, v in fields.items())


class CoupangTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = default_config(orders=60)
        config["accounts"][0]["timeframe_page_size"] = 4
        config["accounts"].append({"kind": "coupang", "vendor_id": "A00099999", "access_key": "other-access",
                                   "secret_key": "other-secret", "orders": 5, "spread_hours": 24})
        cls.sb = Sandbox(config).start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def test_valid_signature_gets_the_page(self):
        to = now()
        frm = to - datetime.timedelta(hours=24)
        status, headers, body = coupang_get(self.sb, V5, minute_query(frm, to, "INSTRUCT"))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["code"], 200)
        self.assertEqual(body["message"], "OK")
        self.assertIsInstance(body["nextToken"], str)
        self.assertLessEqual(len(body["data"]), 4)
        for box in body["data"]:
            self.assertEqual(box["status"], "INSTRUCT")
            self.assertIsInstance(box["shipmentBoxId"], int)
            self.assertIsInstance(box["orderId"], int)
            self.assertRegex(box["orderedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+09:00$")
            item = box["orderItems"][0]
            self.assertEqual(item["salesPrice"]["currencyCode"], "KRW")
            self.assertEqual(item["orderPrice"]["units"], item["salesPrice"]["units"] * item["shippingCount"])
            self.assertIsInstance(item["vendorItemId"], int)

    def test_tampered_signature_is_401_with_coupangs_body(self):
        query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
        before = self.sb.stats()["signature_failures"]
        header = coupang_authorization("GET", V5, query)
        tampered = header[:-1] + ("0" if header[-1] != "0" else "1")
        status, _, body = self.sb.request_json("GET", V5, query, {"Authorization": tampered})
        self.assertEqual(status, 401)
        self.assertEqual(body, {"code": "ERROR", "message": "Invalid signature."})
        # Signing the decoded query (a '+' instead of %2B) is a different message: rejected.
        decoded = query.replace("%2B", "+")
        status, _, body = self.sb.request_json(
            "GET", V5, query, {"Authorization": coupang_authorization("GET", V5, decoded)})
        self.assertEqual((status, body["message"]), (401, "Invalid signature."))
        self.assertEqual(self.sb.stats()["signature_failures"], before + 2)

    def test_wrong_key_stale_date_and_missing_header(self):
        query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
        status, _, body = coupang_get(self.sb, V5, query, access_key="nope")
        self.assertEqual((status, body), (401, {"code": "ERROR", "message": "Invalid access-key."}))
        stale = coupang_signed_date(now() - datetime.timedelta(minutes=6))
        status, _, body = coupang_get(self.sb, V5, query, signed_date=stale)
        self.assertEqual((status, body["message"]), (401, "Specified signature is expired."))
        fresh = coupang_signed_date(now() - datetime.timedelta(minutes=4))
        status, _, _ = coupang_get(self.sb, V5, query, signed_date=fresh)
        self.assertEqual(status, 200)
        status, _, body = self.sb.request_json("GET", V5, query)
        self.assertEqual(status, 401)
        self.assertEqual(body["code"], "ERROR")

    def test_other_vendors_path_is_forbidden(self):
        path = V5.replace(COUPANG_VENDOR, "A00099999")
        status, _, body = coupang_get(self.sb, path, minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT"))
        self.assertEqual(status, 403)
        self.assertEqual(body["message"], "[FORBIDDEN] vendorId A00099999 is not allowed for this access key.")

    def test_parameter_errors(self):
        to = now()
        cases = [
            (minute_query(to - datetime.timedelta(hours=25), to, "ACCEPT"),
             "The search period of searchType=timeFrame cannot exceed 24 hours."),
            (minute_query(to - datetime.timedelta(hours=1), to, "ACCEPT").replace("&status=ACCEPT", ""),
             "status is required."),
            (minute_query(to - datetime.timedelta(hours=1), to, "SHIPPED"),
             "Invalid status 'SHIPPED': one of ACCEPT, INSTRUCT, DEPARTURE, DELIVERING, FINAL_DELIVERY, NONE_TRACKING."),
            (minute_query(to, to - datetime.timedelta(hours=1), "ACCEPT"),
             "createdAtFrom must not be after createdAtTo."),
        ]
        for query, message in cases:
            status, _, body = coupang_get(self.sb, V5, query)
            self.assertEqual(status, 400, query)
            self.assertEqual(body["code"], 400)
            self.assertEqual(body["message"], message)
        # A raw '+' arrives as a space: the date no longer parses.
        raw = minute_query(to - datetime.timedelta(hours=1), to, "ACCEPT").replace("%2B", "+")
        status, _, body = coupang_get(self.sb, V5, raw)
        self.assertEqual(status, 400)
        self.assertIn("(a '+' in a query must be sent as %2B)", body["message"])

    def test_minute_mode_paging_returns_exactly_the_truth(self):
        truth = {o["shipment_box_id"]: o for o in self.sb.orders(COUPANG_VENDOR)}
        self.assertEqual(len(truth), 60)
        start = now().replace(second=0, microsecond=0) - datetime.timedelta(hours=73)
        seen = {}
        pages = 0
        for status in STATUSES:
            frm = start
            while frm <= now():
                to = frm + datetime.timedelta(hours=24) - datetime.timedelta(minutes=1)
                token = ""
                while True:
                    code, _, body = coupang_get(self.sb, V5, minute_query(frm, to, status, token))
                    self.assertEqual(code, 200, body)
                    pages += 1
                    self.assertLessEqual(len(body["data"]), 4)
                    for box in body["data"]:
                        key = str(box["shipmentBoxId"])
                        self.assertNotIn(key, seen)
                        seen[key] = box
                        self.assertEqual(box["status"], status)
                    if not body["nextToken"]:
                        break
                    self.assertGreater(int(body["nextToken"]), max(b["shipmentBoxId"] for b in body["data"]))
                    token = body["nextToken"]
                frm = to + datetime.timedelta(minutes=1)
        self.assertEqual(set(seen), set(truth))
        for key, box in seen.items():
            self.assertEqual(box["status"], truth[key]["status"])
            self.assertEqual(box["orderId"], int(truth[key]["order_id"]))
            self.assertEqual(len(box["orderItems"]), truth[key]["item_count"])
        self.assertGreater(pages, 24)

    def test_v4_daily_mode(self):
        today = now().astimezone(datetime.timezone(datetime.timedelta(hours=9))).date()
        frm = today - datetime.timedelta(days=4)
        base = f"createdAtFrom={frm}&createdAtTo={today}"
        status, _, body = coupang_get(self.sb, V4, base + "&maxPerPage=51&status=ACCEPT")
        self.assertEqual((status, body["message"]), (400, "Invalid maxPerPage '51': 1 to 50."))
        status, _, body = coupang_get(self.sb, V4, f"createdAtFrom={today - datetime.timedelta(days=32)}"
                                      f"&createdAtTo={today}&status=ACCEPT")
        self.assertEqual((status, body["message"]), (400, "The search period cannot exceed 31 days."))
        truth = {o["shipment_box_id"] for o in self.sb.orders(COUPANG_VENDOR) if o["status"] == "FINAL_DELIVERY"}
        seen, token = set(), ""
        while True:
            query = base + "&maxPerPage=2" + (f"&nextToken={token}" if token else "") + "&status=FINAL_DELIVERY"
            status, _, body = coupang_get(self.sb, V4, query)
            self.assertEqual(status, 200, body)
            self.assertLessEqual(len(body["data"]), 2)
            for box in body["data"]:
                self.assertRegex(box["orderedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
                self.assertIsInstance(box["shippingPrice"], int)
                seen.add(str(box["shipmentBoxId"]))
            token = body["nextToken"]
            if not token:
                break
        self.assertEqual(seen, truth)

    def test_fault_429_served_once_then_cleared(self):
        self.sb.fault("429", account=COUPANG_VENDOR, path_contains="/ordersheets", count=1)
        query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
        status, headers, body = coupang_get(self.sb, V5, query)
        self.assertEqual(status, 429)
        self.assertEqual(headers.get("Retry-After"), "1")
        self.assertEqual(body, {"code": "ERROR", "message": "Too Many Requests"})
        self.assertEqual(self.sb.faults(), [])
        status, _, _ = coupang_get(self.sb, V5, query)
        self.assertEqual(status, 200)

    def test_other_faults(self):
        query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
        self.sb.fault("429_no_retry_after", path_contains="/ordersheets")
        status, headers, _ = coupang_get(self.sb, V5, query)
        self.assertEqual(status, 429)
        self.assertNotIn("Retry-After", headers)
        self.sb.fault("503", account=COUPANG_VENDOR)
        status, _, body = coupang_get(self.sb, V5, query)
        self.assertEqual((status, body), (503, {"code": "ERROR", "message": "Service Unavailable"}))
        self.sb.fault("truncated_json", path_contains="ordersheets")
        status, _, raw = self.sb.request("GET", V5, query,
                                         {"Authorization": coupang_authorization("GET", V5, query)})
        self.assertEqual(status, 200)
        with self.assertRaises(json.JSONDecodeError):
            json.loads(raw)
        self.sb.fault("invalid_json")
        status, _, raw = self.sb.request("GET", V5, query,
                                         {"Authorization": coupang_authorization("GET", V5, query)})
        self.assertEqual(status, 200)
        self.assertTrue(raw.endswith(b",}"))
        with self.assertRaises(json.JSONDecodeError):
            json.loads(raw)
        self.sb.fault("drop", path_contains="/ordersheets")
        self.assertTrue(is_connection_dropped(self.sb, "GET", V5, query,
                                              {"Authorization": coupang_authorization("GET", V5, query)}))
        self.assertEqual(self.sb.stats()["status_codes"].get("dropped"), 1)
        self.sb.fault("slow", delay_ms=300)
        began = time.monotonic()
        status, _, _ = coupang_get(self.sb, V5, query)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - began, 0.3)
        with self.assertRaises(RuntimeError):
            self.sb.fault("teapot")

    def test_html_and_unknown_status_faults(self):
        # A status with boxes in the last day, so the fault has statuses to replace.
        for wanted in ("ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY"):
            query = minute_query(now() - datetime.timedelta(hours=24), now(), wanted)
            if coupang_get(self.sb, V5, query)[2]["data"]:
                break
        auth = {"Authorization": coupang_authorization("GET", V5, query)}
        self.sb.fault("html", account=COUPANG_VENDOR)
        status, headers, raw = self.sb.request("GET", V5, query, auth)
        self.assertEqual(status, 502)
        self.assertTrue(headers["Content-Type"].startswith("text/html"), headers)
        self.assertIn(b"<title>502 Bad Gateway</title>", raw)
        self.sb.fault("unknown_status", path_contains="ordersheets")
        status, _, body = coupang_get(self.sb, V5, query)
        self.assertEqual(status, 200)
        self.assertTrue(body["data"], body)
        self.assertEqual({box["status"] for box in body["data"]}, {"SANDBOX_NEW_STATUS"})
        # The sandbox's own orders did not change: the next answer is the real one.
        status, _, body = coupang_get(self.sb, V5, query)
        self.assertEqual({box["status"] for box in body["data"]}, {wanted})

    def test_add_and_mutate(self):
        added = self.sb.add("A00099999", 2)
        self.assertEqual([o["status"] for o in added], ["ACCEPT", "ACCEPT"])
        path = V5.replace(COUPANG_VENDOR, "A00099999")
        auth = {"access_key": "other-access", "secret_key": "other-secret"}
        query = minute_query(now() - datetime.timedelta(minutes=10), now(), "ACCEPT")
        status, _, body = coupang_get(self.sb, path, query, **auth)
        self.assertEqual(status, 200)
        ids = {str(b["shipmentBoxId"]) for b in body["data"]}
        self.assertEqual(ids, {o["shipment_box_id"] for o in added})
        box = added[0]["shipment_box_id"]
        changed = self.sb.mutate("A00099999", ids=[box])
        self.assertEqual(changed[0]["status"], "INSTRUCT")
        self.assertGreater(parse_utc(changed[0]["changed_at"]), parse_utc(added[0]["changed_at"]) -
                           datetime.timedelta(seconds=1))
        status, _, body = coupang_get(self.sb, path, query.replace("ACCEPT", "INSTRUCT"), **auth)
        self.assertEqual([str(b["shipmentBoxId"]) for b in body["data"]], [box])
        changed = self.sb.mutate("A00099999", ids=[box], status="FINAL_DELIVERY")
        self.assertEqual(changed[0]["status"], "FINAL_DELIVERY")

    def test_helper_reproduces_the_documented_vectors(self):
        # coupang.md §2.8, rows 1 and 2: the helper signs the way the sandbox verifies.
        for path, query, signature in [
            (V4, "createdAtFrom=2017-10-10&createdAtTo=2017-10-11&maxPerPage=2&status=INSTRUCT",
             "3bf1f5c3bf8ee8cc736417f2cfab1b784bb712dea916498cb8c012f27fdec868"),
            (V5, "createdAtFrom=2025-07-15%2B09:00&createdAtTo=2025-07-25%2B09:00&maxPerPage=50&status=INSTRUCT",
             "c182d2e69b02adbb2f62eb1eb7ea6236d581806af06d5a128109174c12123d19"),
        ]:
            header = coupang_authorization("GET", path, query, signed_date="250801T000000Z")
            self.assertEqual(header, f"CEA algorithm=HmacSHA256, access-key={COUPANG_ACCESS_KEY}, "
                                     f"signed-date=250801T000000Z, signature={signature}")
            # Correct, but signed in 2025: too far from the server clock.
            status, _, body = self.sb.request_json("GET", path, query, {"Authorization": header})
            self.assertEqual((status, body["message"]), (401, "Specified signature is expired."))

    def test_mutate_between_pages(self):
        path = V5.replace(COUPANG_VENDOR, "A00099999")
        auth = {"access_key": "other-access", "secret_key": "other-secret"}
        added = self.sb.add("A00099999", 3)
        query = minute_query(now() - datetime.timedelta(minutes=5), now(), "ACCEPT")
        self.sb.fault("mutate_between_pages", account="A00099999", path_contains="/ordersheets", mutate_count=1)
        status, _, body = coupang_get(self.sb, path, query, **auth)
        self.assertEqual(status, 200)
        served = [str(b["shipmentBoxId"]) for b in body["data"]]
        self.assertLessEqual({o["shipment_box_id"] for o in added}, set(served))
        # The first box served moved on right after the response.
        truth = {o["shipment_box_id"]: o for o in self.sb.orders("A00099999")}
        self.assertEqual(truth[served[0]]["status"], "INSTRUCT")
        self.assertEqual({truth[b]["status"] for b in served[1:]}, {"ACCEPT"})
        status, _, again = coupang_get(self.sb, path, query, **auth)
        self.assertEqual([str(b["shipmentBoxId"]) for b in again["data"]], served[1:])

    def test_unknown_path_is_404(self):
        path = f"/v2/providers/openapi/apis/api/v5/vendors/{COUPANG_VENDOR}/nothing"
        status, _, body = coupang_get(self.sb, path, "")
        self.assertEqual((status, body["code"]), (404, "ERROR"))


class SmartstoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=80)).start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def token_request(self, timestamp, sign, **extra):
        fields = {"client_id": SMARTSTORE_CLIENT_ID, "timestamp": timestamp, "client_secret_sign": sign,
                  "grant_type": "client_credentials", "type": "SELF"}
        fields.update(extra)
        return self.sb.request_json("POST", TOKEN, "",
                                    {"Content-Type": "application/x-www-form-urlencoded"}, form(fields))

    def sign(self, timestamp):
        hashed = libcrypt_bcrypt(f"{SMARTSTORE_CLIENT_ID}_{timestamp}", SMARTSTORE_CLIENT_SECRET)
        if hashed is None:
            self.skipTest("libcrypt bcrypt is not reachable through ctypes")
        return base64.b64encode(hashed.encode()).decode()

    def token(self):
        stamp = str(int(time.time() * 1000))
        status, _, body = self.token_request(stamp, self.sign(stamp))
        self.assertEqual(status, 200, body)
        return body["access_token"]

    def assert_gateway_error(self, status, headers, body, code, http_status):
        self.assertEqual(status, http_status, body)
        self.assertEqual(body["code"], code)
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00$")
        self.assertRegex(body["traceId"], r"^[0-9a-f]{32}$")
        self.assertEqual(headers.get("GNCP-GW-Trace-ID"), body["traceId"])

    def test_bad_sign_is_rejected(self):
        stamp = str(int(time.time() * 1000))
        bogus = base64.b64encode(b"$2a$04$abcdefghijklmnopqrstuu" + b"x" * 31).decode()
        before = self.sb.stats()["signature_failures"]
        status, headers, body = self.token_request(stamp, bogus)
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        self.assertEqual(body["message"], "client_secret_sign is invalid")
        self.assertEqual(self.sb.stats()["signature_failures"], before + 1)

    def test_stale_timestamp_is_rejected(self):
        stale = str(int((time.time() - 6 * 60) * 1000))
        status, headers, body = self.token_request(stale, "x")
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        self.assertEqual(body["message"], "timestamp is expired or not yet valid (valid for 5 minutes)")
        # The published vector is right but five years old.
        status, _, body = self.token_request(
            "1643961623299", "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXVCVldZSk42T0VPdEx1OFY0cDQxa2IuTnpVaUEzbmsy")
        self.assertEqual((status, body["code"]), (401, "GW.AUTHN"))

    def test_malformed_token_requests(self):
        stamp = str(int(time.time() * 1000))
        status, headers, body = self.token_request(stamp, "x", grant_type="password")
        self.assert_gateway_error(status, headers, body, "4000", 400)
        self.assertEqual(body["message"], "grant_type must be client_credentials")
        status, _, body = self.token_request(stamp, "x", client_id="stranger")
        self.assertEqual((status, body["code"], body["message"]), (401, "GW.AUTHN", "client_id is not registered"))

    def test_missing_and_unknown_token(self):
        query = "lastChangedFrom=" + smartstore_time(now() - datetime.timedelta(hours=1))
        status, headers, body = self.sb.request_json("GET", CHANGES, query)
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        status, headers, body = self.sb.request_json("GET", CHANGES, query, {"Authorization": "Bearer forged"})
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        status, headers, body = self.sb.request_json("POST", QUERY, "", {"Content-Type": "application/json"},
                                                     {"productOrderIds": ["1"]})
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        status, headers, body = self.sb.request_json("GET", "/external/v1/nothing", "")
        self.assert_gateway_error(status, headers, body, "GW.NOT_FOUND", 404)

    def test_token_is_reused_while_fresh(self):
        first = self.token()
        self.assertEqual(self.token(), first)

    def test_change_feed_paging_and_details_match_the_truth(self):
        token = self.token()
        auth = {"Authorization": "Bearer " + token}
        truth = {}
        for order in self.sb.orders(SMARTSTORE_CLIENT_ID):
            for item in order["items"]:
                truth[item["product_order_id"]] = (order["order_id"], item["status"], item["changed_at"])
        seen = {}
        start = now() - datetime.timedelta(hours=73)
        while start < now():
            end = start + datetime.timedelta(hours=24)
            frm, sequence, previous = start, None, None
            while True:
                query = (f"lastChangedFrom={smartstore_time(frm)}&lastChangedTo={smartstore_time(end)}"
                         f"&limitCount=7" + (f"&moreSequence={sequence}" if sequence else ""))
                status, headers, body = self.sb.request_json("GET", CHANGES, query, auth)
                self.assertEqual(status, 200, body)
                self.assertEqual(headers.get("GNCP-GW-Trace-ID"), body["traceId"])
                if "data" not in body:
                    break
                data = body["data"]
                self.assertEqual(data["count"], len(data["lastChangeStatuses"]))
                self.assertLessEqual(data["count"], 7)
                for entry in data["lastChangeStatuses"]:
                    key = (entry["lastChangedDate"], entry["productOrderId"])
                    if previous is not None:
                        self.assertLess(previous, key)
                    previous = key
                    self.assertNotIn(entry["productOrderId"], seen)
                    seen[entry["productOrderId"]] = entry
                if "more" not in data:
                    break
                frm = datetime.datetime.fromisoformat(data["more"]["moreFrom"])
                sequence = data["more"]["moreSequence"]
            start = end + datetime.timedelta(milliseconds=1)
        self.assertEqual(set(seen), set(truth))
        for poid, entry in seen.items():
            self.assertEqual(entry["orderId"], truth[poid][0])
            self.assertEqual(entry["productOrderStatus"], truth[poid][1])
            self.assertEqual(datetime.datetime.fromisoformat(entry["lastChangedDate"]), parse_utc(truth[poid][2]))

        ids = sorted(truth)[:5]
        status, _, body = self.sb.request_json("POST", QUERY, "", dict(auth, **{"Content-Type": "application/json"}),
                                               {"productOrderIds": ids, "quantityClaimCompatibility": True})
        self.assertEqual(status, 200, body)
        self.assertEqual([d["productOrder"]["productOrderId"] for d in body["data"]], ids)
        for detail in body["data"]:
            self.assertEqual(detail["order"]["orderId"], truth[detail["productOrder"]["productOrderId"]][0])
            self.assertIn("baseAddress", detail["productOrder"]["shippingAddress"])

    def test_limits(self):
        auth = {"Authorization": "Bearer " + self.token()}
        frm = now() - datetime.timedelta(hours=25)
        query = f"lastChangedFrom={smartstore_time(frm)}&lastChangedTo={smartstore_time(now())}"
        status, headers, body = self.sb.request_json("GET", CHANGES, query, auth)
        self.assert_gateway_error(status, headers, body, "4000", 400)
        self.assertEqual(body["message"], "lastChangedFrom ~ lastChangedTo must be within 24 hours")
        raw = "lastChangedFrom=" + smartstore_time(now() - datetime.timedelta(hours=1), encoded=False)
        status, _, body = self.sb.request_json("GET", CHANGES, raw, auth)
        self.assertEqual(status, 400)
        self.assertTrue(body["message"].endswith("(send '+' as %2B)"), body["message"])
        status, _, body = self.sb.request_json("GET", CHANGES, "", auth)
        self.assertEqual((status, body["message"]), (400, "lastChangedFrom is required"))
        too_many = [str(2000000000000000 + i) for i in range(301)]
        status, _, body = self.sb.request_json("POST", QUERY, "", dict(auth, **{"Content-Type": "application/json"}),
                                               {"productOrderIds": too_many})
        self.assertEqual((status, body["code"]), (400, "4000"))
        self.assertEqual(body["message"], "productOrderIds holds 301 ids; at most 300")

    def test_expire_tokens_fault(self):
        token = self.token()
        self.sb.fault("expire_tokens", account=SMARTSTORE_CLIENT_ID)
        query = "lastChangedFrom=" + smartstore_time(now() - datetime.timedelta(hours=1))
        status, headers, body = self.sb.request_json("GET", CHANGES, query, {"Authorization": "Bearer " + token})
        self.assert_gateway_error(status, headers, body, "GW.AUTHN", 401)
        fresh = self.token()
        self.assertNotEqual(fresh, token)
        status, _, _ = self.sb.request_json("GET", CHANGES, query, {"Authorization": "Bearer " + fresh})
        self.assertEqual(status, 200)

    def test_smartstore_429_body(self):
        self.sb.fault("429", path_contains="last-changed")
        query = "lastChangedFrom=" + smartstore_time(now() - datetime.timedelta(hours=1))
        status, headers, body = self.sb.request_json("GET", CHANGES, query)
        self.assert_gateway_error(status, headers, body, "GW.RATE_LIMIT", 429)
        self.assertEqual(headers.get("Retry-After"), "1")
        self.assertIn("GNCP-GW-RateLimit-Remaining", headers)


class ControlTest(unittest.TestCase):
    def test_hooks_are_recorded_and_faults_apply(self):
        with Sandbox(default_config(orders=3)) as sb:
            status, _, body = sb.request("POST", "/hooks/discord", "", {"Content-Type": "application/json"},
                                         {"content": "job 1 완료"})
            self.assertEqual((status, body), (200, b'{"ok":true}'))
            sb.fault("500", path_contains="/hooks/slack")
            status, _, _ = sb.request("GET", "/hooks/slack", "message=%ED%95%9C")
            self.assertEqual(status, 500)
            hooks = sb.hooks()
            self.assertEqual([(h["name"], h["method"], h["status"]) for h in hooks],
                             [("discord", "POST", 200), ("slack", "GET", 500)])
            self.assertEqual(json.loads(hooks[0]["body"]), {"content": "job 1 완료"})
            self.assertEqual(hooks[1]["params"], {"message": "한"})
            self.assertEqual(hooks[1]["query"], "message=%ED%95%9C")
            self.assertEqual(sb.stats()["endpoints"]["hooks"], 2)

    def test_rate_limit_and_concurrency(self):
        with Sandbox(default_config(orders=3, rate_limit=3)) as sb:
            query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
            codes = [coupang_get(sb, V5, query)[0] for _ in range(6)]
            self.assertEqual(codes[:3], [200, 200, 200])
            self.assertIn(429, codes[3:])
            self.assertEqual(sb.stats()["accounts"][COUPANG_VENDOR]["status_codes"]["200"], codes.count(200))
        with Sandbox(default_config(orders=3, latency_ms=1000)) as sb:
            query = minute_query(now() - datetime.timedelta(hours=1), now(), "ACCEPT")
            with concurrent.futures.ThreadPoolExecutor(max_workers=45) as pool:
                codes = list(pool.map(lambda _: coupang_get(sb, V5, query)[0], range(45)))
            self.assertEqual(codes, [200] * 45)
            stats = sb.stats()
            self.assertGreaterEqual(stats["max_in_flight"], 40)
            self.assertEqual(stats["endpoints"]["coupang.ordersheets"], 45)

    def test_sigterm_stops_and_removes_the_port_file(self):
        sb = Sandbox(default_config(orders=1)).start()
        port_file = os.path.join(sb.dir, "port")
        self.assertTrue(os.path.exists(port_file))
        with open(sb.stdout_path, encoding="utf-8") as f:
            self.assertEqual(f.read(), f"uoms-sandbox listening on {sb.base_url}\n")
        sb.process.send_signal(signal.SIGTERM)
        self.assertEqual(sb.process.wait(timeout=10), 0)
        self.assertFalse(os.path.exists(port_file))
        sb.stop()

    def test_bad_config_is_refused(self):
        config = default_config()
        config["accounts"][1]["client_secret"] = "plain"
        sb = Sandbox(config)
        self.addCleanup(sb.stop)
        with self.assertRaises(RuntimeError) as caught:
            sb.start()
        self.assertIn("client_secret is not a bcrypt salt", str(caught.exception))

    def test_orders_are_deterministic_and_recent(self):
        with Sandbox(default_config(orders=20)) as first, Sandbox(default_config(orders=20)) as second:
            a, b = first.orders(SMARTSTORE_CLIENT_ID), second.orders(SMARTSTORE_CLIENT_ID)
            self.assertEqual([o["order_id"] for o in a], [o["order_id"] for o in b])
            self.assertEqual([o["items"] for o in a][0][0]["sku"], [o["items"] for o in b][0][0]["sku"])
            for order in a + first.orders(COUPANG_VENDOR):
                created = parse_utc(order["created_at"])
                self.assertLess(created, now())
                self.assertGreater(created, now() - datetime.timedelta(hours=73))
                self.assertGreaterEqual(parse_utc(order["changed_at"]), created)
                self.assertIn(order["item_count"], (1, 2, 3))


SHOPEE_LIST = "/api/v2/order/get_order_list"
SHOPEE_DETAIL = "/api/v2/order/get_order_detail"
SHOPEE_TOKEN = "/api/v2/auth/token/get"
SHOPEE_REFRESH = "/api/v2/auth/access_token/get"
SHOPEE_SECOND_SHOP = 14701799
SHOPEE_DETAIL_FIELDS = "item_list,recipient_address,pay_time,buyer_username,total_amount,package_list"


def shopee_window(hours=73):
    to = int(time.time())
    return {"time_range_field": "update_time", "time_from": to - hours * 3600, "time_to": to}


def shopee_collect(test, sb, token, page_size, shop_id=SHOPEE_SHOP_ID, **extra):
    """Every order_sn get_order_list returns over the last 73 h, page by page (order_sn list, pages)."""
    window = shopee_window()
    seen, pages, cursor = [], [], ""
    while True:
        params = dict(window, page_size=page_size, response_optional_fields="order_status", **extra)
        if cursor:
            params["cursor"] = cursor
        status, body = sb.shopee_get(SHOPEE_LIST, token, shop_id, **params)
        test.assertEqual(status, 200, body)
        test.assertEqual((body["error"], body["message"]), ("", ""))
        response = body["response"]
        test.assertLessEqual(len(response["order_list"]), page_size)
        pages.append([o["order_sn"] for o in response["order_list"]])
        seen.extend(response["order_list"])
        if not response["more"]:
            test.assertEqual(response["next_cursor"], "")
            return seen, pages
        test.assertNotEqual(response["next_cursor"], cursor)
        cursor = response["next_cursor"]


class ShopeeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = default_config(orders=60)
        config["accounts"].append({"kind": "shopee", "partner_id": SHOPEE_PARTNER_ID,
                                   "partner_key": SHOPEE_PARTNER_KEY, "shop_id": SHOPEE_SECOND_SHOP,
                                   "refresh_token": "second-shop-refresh", "orders": 3, "spread_hours": 24})
        cls.sb = Sandbox(config).start()
        # The initial refresh token from the config works exactly once.
        status, body = cls.sb.shopee_refresh()
        assert status == 200, body
        cls.first = body
        cls.token = body["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def assert_error(self, status, body, http_status, code, message):
        self.assertEqual(status, http_status, body)
        self.assertEqual((body["error"], body["message"]), (code, message))
        self.assertRegex(body["request_id"], r"^[0-9a-f]{32}$")

    def test_helper_reproduces_the_documented_vectors(self):
        # shopee.md §1.11 (a) and (c): the helper signs the way the sandbox verifies.
        self.assertEqual(shopee_sign("/api/v2/shop/get_shop_info", 1655714431, "59777174636562737266615546704c6d",
                                     14701711),
                         "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1")
        self.assertEqual(shopee_sign("/api/v2/public/get_shops_by_partner", 1655714431),
                         "60ab8c4a535009ab33b8a0029ee18a667ef6eaeb16481ed3d573a5059122d4df")
        self.assertEqual(shopee_sign(SHOPEE_LIST, 1655714431, "59777174636562737266615546704c6d", 14701711),
                         "0d4c4ad50011993da2000f0aa298092b6b5717d79660bff5104cddf8eead3d78")
        self.assertEqual(shopee_sign(SHOPEE_REFRESH, 1655714431),
                         "ec228461f4fda091fec25c8ff7102fe6865f07aa0159c7ff690a241d968b4f5e")
        # Right sign, but signed in 2022: outside the 5-minute window.
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, shopee_query(
            SHOPEE_LIST, "59777174636562737266615546704c6d", timestamp=1655714431, **shopee_window()))
        self.assert_error(status, body, 400, "error_param", "Invalid timestamp.")

    def test_initial_refresh_answer_and_single_use(self):
        self.assertEqual(self.first["error"], "")
        self.assertEqual(self.first["expire_in"], 14400)
        self.assertEqual((self.first["partner_id"], self.first["shop_id"]), (SHOPEE_PARTNER_ID, SHOPEE_SHOP_ID))
        self.assertRegex(self.first["refresh_token"], r"^[0-9a-f]{32}$")
        self.assertNotIn("response", self.first)  # auth answers are top-level
        status, body = self.sb.shopee_refresh(SHOPEE_REFRESH_TOKEN)
        self.assert_error(status, body, 403, "error_auth", "Invalid refresh_token.")

    def authorize_second_shop(self):
        """Fresh tokens for the second shop through an authorization code (re-authorizing
        replaces the shop's earlier tokens)."""
        code = self.sb.shopee_auth_code(SHOPEE_SECOND_SHOP)
        status, _, tokens = self.sb.request_json("POST", SHOPEE_TOKEN, shopee_query(SHOPEE_TOKEN),
                                                 {"Content-Type": "application/json"},
                                                 {"code": code, "partner_id": SHOPEE_PARTNER_ID,
                                                  "shop_id": SHOPEE_SECOND_SHOP})
        self.assertEqual(status, 200, tokens)
        return tokens

    def test_refresh_chain_on_second_shop(self):
        authorized = self.authorize_second_shop()
        status, first = self.sb.shopee_refresh(authorized["refresh_token"], SHOPEE_SECOND_SHOP)
        self.assertEqual(status, 200, first)
        status, second = self.sb.shopee_refresh(first["refresh_token"], SHOPEE_SECOND_SHOP)
        self.assertEqual(status, 200, second)
        self.assertNotEqual(second["access_token"], first["access_token"])
        status, body = self.sb.shopee_refresh(first["refresh_token"], SHOPEE_SECOND_SHOP)
        self.assert_error(status, body, 403, "error_auth", "Invalid refresh_token.")
        # Another shop's refresh token is refused too, and does not get used up.
        status, body = self.sb.shopee_refresh(second["refresh_token"], SHOPEE_SHOP_ID)
        self.assert_error(status, body, 403, "error_auth", "Invalid refresh_token.")
        # The old access token keeps working for 5 minutes after the refresh; both do.
        for token in (first["access_token"], second["access_token"]):
            status, body = self.sb.shopee_get(SHOPEE_LIST, token, SHOPEE_SECOND_SHOP, page_size=10, **shopee_window())
            self.assertEqual(status, 200, body)
        # A token is the shop's own.
        status, body = self.sb.shopee_get(SHOPEE_LIST, second["access_token"], SHOPEE_SHOP_ID, page_size=10,
                                          **shopee_window())
        self.assert_error(status, body, 403, "error_auth", "Invalid access_token.")
        # The refresh body is JSON: a form body is refused.
        status, _, body = self.sb.request_json("POST", SHOPEE_REFRESH, shopee_query(SHOPEE_REFRESH),
                                               {"Content-Type": "application/x-www-form-urlencoded"},
                                               f"refresh_token={second['refresh_token']}")
        self.assertEqual((status, body["error"]), (400, "error_param"))

    def test_sign_is_checked(self):
        query = shopee_query(SHOPEE_LIST, self.token, page_size=10, **shopee_window())
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, query)
        self.assertEqual(status, 200, body)
        before = self.sb.stats()["signature_failures"]
        sign = next(p.split("=")[1] for p in query.split("&") if p.startswith("sign="))
        tampered = query.replace(sign, sign[:-1] + ("0" if sign[-1] != "0" else "1"))
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, tampered)
        self.assert_error(status, body, 403, "error_sign", "Wrong sign.")
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, query.replace(sign, sign.upper()))
        self.assert_error(status, body, 403, "error_sign", "Wrong sign.")
        # A shop call signed with the public base string (no access_token + shop_id).
        ts = int(time.time())
        public = query.replace(sign, shopee_sign(SHOPEE_LIST, ts)).replace(
            next(p for p in query.split("&") if p.startswith("timestamp=")), f"timestamp={ts}")
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, public)
        self.assert_error(status, body, 403, "error_sign", "Wrong sign.")
        # Signed over another path.
        wrong_path = shopee_query(SHOPEE_DETAIL, self.token, page_size=10, **shopee_window())
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, wrong_path)
        self.assert_error(status, body, 403, "error_sign", "Wrong sign.")
        self.assertEqual(self.sb.stats()["signature_failures"], before + 4)
        # Signed with the key hex-decoded instead of as its literal bytes.
        decoded_key = bytes.fromhex(SHOPEE_PARTNER_KEY).decode()
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, shopee_query(
            SHOPEE_LIST, self.token, partner_key=decoded_key, page_size=10, **shopee_window()))
        self.assert_error(status, body, 403, "error_sign", "Wrong sign.")
        no_sign = "&".join(p for p in query.split("&") if not p.startswith("sign="))
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, no_sign)
        self.assert_error(status, body, 400, "error_param", "There is no sign in query.")
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, shopee_query(
            SHOPEE_LIST, self.token, partner_id=1000001, page_size=10, **shopee_window()))
        self.assert_error(status, body, 400, "error_param", "Invalid partner_id.")
        no_token = shopee_query(SHOPEE_LIST, page_size=10, **shopee_window())
        status, _, body = self.sb.request_json("GET", SHOPEE_LIST, no_token)
        self.assert_error(status, body, 400, "error_param", "There is no access_token in query.")

    def test_timestamp_skew(self):
        now_s = int(time.time())
        for offset, expected in ((-301, 400), (301, 400), (-240, 200), (240, 200)):
            status, body = self.sb.shopee_get(SHOPEE_LIST, self.token, timestamp=now_s + offset, page_size=5,
                                              **shopee_window())
            self.assertEqual(status, expected, (offset, body))
            if expected == 400:
                self.assertEqual(body["message"], "Invalid timestamp.")
        # Milliseconds are not seconds.
        status, body = self.sb.shopee_get(SHOPEE_LIST, self.token, timestamp=now_s * 1000, page_size=5,
                                          **shopee_window())
        self.assertEqual((status, body["message"]), (400, "Invalid timestamp."))

    def test_access_token_checks_and_expiry(self):
        status, body = self.sb.shopee_get(SHOPEE_LIST, "0" * 32, page_size=5, **shopee_window())
        self.assert_error(status, body, 403, "error_auth", "Invalid access_token.")
        status, body = self.sb.shopee_get(SHOPEE_LIST, self.token, 99999, page_size=5, **shopee_window())
        self.assert_error(status, body, 403, "error_shop", "shopid is invalid")

    def test_order_list_limits(self):
        to = int(time.time())
        cases = [
            ({"time_range_field": "update_time", "time_from": to - 15 * 86400 - 1, "time_to": to, "page_size": 10},
             "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."),
            ({"time_range_field": "update_time", "time_from": to, "time_to": to, "page_size": 10},
             "order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days."),
            ({"time_range_field": "update_time", "time_from": to - 3600, "time_to": to, "page_size": 101},
             "error_param", "Wrong parameters, detail: page_size should be between 1 and 100."),
            ({"time_range_field": "update_time", "time_from": to - 3600, "time_to": to, "page_size": 0},
             "error_param", "Wrong parameters, detail: page_size should be between 1 and 100."),
            ({"time_range_field": "update_time", "time_from": to - 3600, "time_to": to},
             "error_param", "Wrong parameters, detail: page_size is required."),
            ({"time_range_field": "pay_time", "time_from": to - 3600, "time_to": to, "page_size": 10},
             "error_param", "Wrong parameters, detail: time_range_field must be create_time or update_time."),
            ({"time_range_field": "update_time", "time_to": to, "page_size": 10},
             "error_param", "Wrong parameters, detail: time_from is required."),
            ({"time_range_field": "update_time", "time_from": to - 3600, "time_to": to, "page_size": 10,
              "order_status": "TO_RETURN"},
             "error_param", "Wrong parameters, detail: order_status TO_RETURN is invalid."),
            ({"time_range_field": "update_time", "time_from": to - 3600, "time_to": to, "page_size": 10,
              "cursor": "garbage"},
             "error_param", "Wrong parameters, detail: cursor is invalid."),
        ]
        for params, code, message in cases:
            status, body = self.sb.shopee_get(SHOPEE_LIST, self.token, **params)
            self.assert_error(status, body, 400, code, message)
        # Exactly 15 days is allowed.
        status, body = self.sb.shopee_get(SHOPEE_LIST, self.token, time_range_field="create_time",
                                          time_from=to - 15 * 86400, time_to=to, page_size=100)
        self.assertEqual(status, 200, body)
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token,
                                          order_sn_list=",".join(f"SN{i}" for i in range(51)))
        self.assert_error(status, body, 400, "error_param",
                          "Wrong parameters, detail: order_sn_list should contain 1 to 50 order_sn.")
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token, order_sn_list="NOPE1,NOPE2")
        self.assert_error(status, body, 400, "error_not_found", "Wrong parameters, detail: the order is not found.")
        status, _, body = self.sb.request_json("POST", SHOPEE_LIST, shopee_query(SHOPEE_LIST, self.token))
        self.assertEqual((status, body["error"]), (404, "error_not_found"))

    def test_paging_and_details_match_the_truth(self):
        truth = {o["order_sn"]: o for o in self.sb.orders(str(SHOPEE_SHOP_ID))}
        self.assertEqual(len(truth), 60)
        seen, pages = shopee_collect(self, self.sb, self.token, 7)
        sns = [o["order_sn"] for o in seen]
        self.assertEqual(len(sns), len(set(sns)))
        self.assertEqual(set(sns), set(truth))
        self.assertEqual(len(pages), 9)
        for entry in seen:
            self.assertEqual(entry["order_status"], truth[entry["order_sn"]]["status"])
            self.assertRegex(entry["order_sn"], r"^\d{6}[0-9A-Z]{8}$")
        # One status per request.
        ready, _ = shopee_collect(self, self.sb, self.token, 100, order_status="READY_TO_SHIP")
        self.assertEqual({o["order_sn"] for o in ready},
                         {sn for sn, o in truth.items() if o["status"] == "READY_TO_SHIP"})

        wanted = sorted(truth)[:50]
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token, order_sn_list=",".join(wanted),
                                          response_optional_fields=SHOPEE_DETAIL_FIELDS)
        self.assertEqual(status, 200, body)
        orders = body["response"]["order_list"]
        self.assertEqual([o["order_sn"] for o in orders], wanted)
        for order in orders:
            expected = truth[order["order_sn"]]
            self.assertEqual(order["order_status"], expected["status"])
            self.assertEqual(order["currency"], "SGD")
            self.assertEqual(order["update_time"], int(parse_utc(expected["changed_at"]).timestamp()))
            self.assertEqual(order["create_time"], int(parse_utc(expected["created_at"]).timestamp()))
            self.assertEqual("pay_time" in order, expected["status"] != "UNPAID")
            self.assertIn("full_address", order["recipient_address"])
            self.assertEqual([(str(i["item_id"]), str(i["model_id"]), str(i["order_item_id"]),
                               i["model_quantity_purchased"], i["model_discounted_price"]) for i in order["item_list"]],
                             [(i["item_id"], i["model_id"], i["order_item_id"], i["quantity"], i["unit_price"])
                              for i in expected["items"]])
            for item, line in zip(order["item_list"], expected["items"]):
                # No variation: model_id 0, the SKU is the item's; otherwise the model's.
                self.assertEqual(item["model_sku"] or item["item_sku"], line["sku"])
                self.assertEqual(item["model_id"] == 0, item["model_sku"] == "")
            self.assertAlmostEqual(order["total_amount"], expected["total_price"] + expected["shipping_price"])
        # item_list only when asked for; the defaults are always there.
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token, order_sn_list=wanted[0])
        order = body["response"]["order_list"][0]
        self.assertNotIn("item_list", order)
        self.assertNotIn("recipient_address", order)
        self.assertEqual(sorted(order), sorted(["order_sn", "region", "currency", "cod", "order_status",
                                                "message_to_seller", "create_time", "update_time", "days_to_ship",
                                                "ship_by_date"]))
        # Some unknown order_sn: the known ones, and a warning.
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token, order_sn_list=f"{wanted[1]},NOPE")
        self.assertEqual([o["order_sn"] for o in body["response"]["order_list"]], [wanted[1]])
        self.assertEqual(body["warning"], ["order_sn NOPE is not found."])

    def test_auth_code_flow(self):
        code = self.sb.shopee_auth_code(SHOPEE_SECOND_SHOP)
        body = {"code": code, "partner_id": SHOPEE_PARTNER_ID, "shop_id": SHOPEE_SECOND_SHOP}
        headers = {"Content-Type": "application/json"}
        status, _, first = self.sb.request_json("POST", SHOPEE_TOKEN, shopee_query(SHOPEE_TOKEN), headers, body)
        self.assertEqual(status, 200, first)
        self.assertEqual((first["error"], first["expire_in"]), ("", 14400))
        status, _, again = self.sb.request_json("POST", SHOPEE_TOKEN, shopee_query(SHOPEE_TOKEN), headers, body)
        self.assert_error(status, again, 403, "error_auth", "Invalid code.")
        # A code is the shop's own.
        other = dict(body, code=self.sb.shopee_auth_code(SHOPEE_SECOND_SHOP), shop_id=SHOPEE_SHOP_ID)
        status, _, wrong = self.sb.request_json("POST", SHOPEE_TOKEN, shopee_query(SHOPEE_TOKEN), headers, other)
        self.assert_error(status, wrong, 403, "error_auth", "Invalid code.")
        # The legacy authorization link redirects with a fresh code for the partner's shop.
        link = shopee_query("/api/v2/shop/auth_partner", redirect="https://seller.example/callback")
        conn = http.client.HTTPConnection("127.0.0.1", self.sb.port, timeout=10)
        conn.request("GET", "/api/v2/shop/auth_partner?" + link)
        resp = conn.getresponse()
        location = resp.getheader("Location")
        conn.close()
        self.assertEqual(resp.status, 302)
        self.assertRegex(location, rf"^https://seller\.example/callback\?code=[0-9a-f]{{32}}&shop_id={SHOPEE_SHOP_ID}$")

    def test_faults_and_expiry(self):
        self.sb.fault("429", account=str(SHOPEE_SHOP_ID), path_contains="get_order_list")
        status, headers, body = self.sb.request_json("GET", SHOPEE_LIST, shopee_query(
            SHOPEE_LIST, self.token, page_size=5, **shopee_window()))
        self.assertEqual((status, headers.get("Retry-After")), (429, "1"))
        self.assertEqual(body["error"], "error_rate_limit")
        self.sb.fault("500", path_contains="get_order_detail")
        status, body = self.sb.shopee_get(SHOPEE_DETAIL, self.token, order_sn_list="X")
        self.assert_error(status, body, 500, "error_server", "System error. Please try again later.")
        self.sb.fault("invalid_json", path_contains="get_order_list")
        status, _, raw = self.sb.request("GET", SHOPEE_LIST, shopee_query(
            SHOPEE_LIST, self.token, page_size=5, **shopee_window()))
        self.assertEqual(status, 200)
        with self.assertRaises(json.JSONDecodeError):
            json.loads(raw)
        # expire_tokens: the access token dies now; the refresh token still works.
        tokens = self.authorize_second_shop()
        self.sb.fault("expire_tokens", account=str(SHOPEE_SECOND_SHOP))
        status, body = self.sb.shopee_get(SHOPEE_LIST, tokens["access_token"], SHOPEE_SECOND_SHOP, page_size=5,
                                          **shopee_window())
        self.assert_error(status, body, 403, "error_auth", "Invalid access_token.")
        status, fresh = self.sb.shopee_refresh(tokens["refresh_token"], SHOPEE_SECOND_SHOP)
        self.assertEqual(status, 200, fresh)
        status, body = self.sb.shopee_get(SHOPEE_LIST, fresh["access_token"], SHOPEE_SECOND_SHOP, page_size=5,
                                          **shopee_window())
        self.assertEqual(status, 200, body)

    def test_add_mutate_and_mutate_between_pages(self):
        shop = str(SHOPEE_SECOND_SHOP)
        added = self.sb.add(shop, 3)
        self.assertEqual([o["status"] for o in added], ["READY_TO_SHIP"] * 3)
        moved = self.sb.mutate(shop, ids=[added[0]["order_sn"]])
        self.assertEqual(moved[0]["status"], "PROCESSED")
        cancelled = self.sb.mutate(shop, ids=[added[1]["order_sn"]], status="CANCELLED")
        self.assertEqual([i["status"] for i in cancelled[0]["items"]], ["CANCELLED"] * len(added[1]["items"]))
        with self.assertRaises(RuntimeError):
            self.sb.mutate(shop, ids=[added[1]["order_sn"]], status="신규주문")
        # mutate_between_pages: the first order served moves on right after the answer.
        tokens = self.authorize_second_shop()
        before = {o["order_sn"]: o["changed_at"] for o in self.sb.orders(shop)}
        self.sb.fault("mutate_between_pages", account=shop, path_contains="get_order_list", mutate_count=1)
        status, body = self.sb.shopee_get(SHOPEE_LIST, tokens["access_token"], SHOPEE_SECOND_SHOP, page_size=100,
                                          **shopee_window())
        served = [o["order_sn"] for o in body["response"]["order_list"]]
        after = {o["order_sn"]: o["changed_at"] for o in self.sb.orders(shop)}
        self.assertEqual([sn for sn in served if after[sn] != before[sn]], served[:1])


class ShopeeDuplicateTest(unittest.TestCase):
    def test_duplicate_across_pages_and_rate_limit_shape(self):
        config = default_config(orders=12, rate_limit=50)
        account_config(config, "shopee")["duplicate_across_pages"] = True
        with Sandbox(config) as sb:
            _, tokens = sb.shopee_refresh()
            truth = {o["order_sn"] for o in sb.orders(str(SHOPEE_SHOP_ID))}
            seen, pages = shopee_collect(self, sb, tokens["access_token"], 5)
            # The last order of the first page opens the second page too.
            self.assertEqual(pages[0][-1], pages[1][0])
            self.assertEqual(len(seen), len(truth) + 1)
            self.assertEqual({o["order_sn"] for o in seen}, truth)
        # The token bucket answers like Shopee's throttle: HTTP 200, error_rate_limit, no Retry-After.
        with Sandbox(default_config(orders=3, rate_limit=2)) as sb:
            _, tokens = sb.shopee_refresh()
            time.sleep(1.1)
            answers = [sb.request_json("GET", SHOPEE_LIST, shopee_query(
                SHOPEE_LIST, tokens["access_token"], page_size=5, **shopee_window())) for _ in range(4)]
            limited = [a for a in answers if a[2]["error"] == "error_rate_limit"]
            self.assertTrue(limited, answers)
            status, headers, body = limited[0]
            self.assertEqual(status, 200)
            self.assertNotIn("Retry-After", headers)
            self.assertEqual(body["message"], "Too many requests. You have reached the rate limit, please try again later.")


def qoo10_days(days_back=4):
    today = datetime.datetime.now(UTC)
    return {"search_Sdate": qoo10_time(today - datetime.timedelta(days=days_back), seconds=False),
            "search_Edate": qoo10_time(today, seconds=False)}


class Qoo10Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=60)).start()
        cls.key = cls.sb.qoo10_key()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def shipping(self, key, **params):
        return self.sb.qoo10_call("ShippingBasic.GetShippingInfo_v2", key, **params)

    def test_key_issue(self):
        self.assertIsInstance(self.key, str)
        self.assertGreater(len(self.key), 20)
        status, body = self.sb.qoo10_call("CertificationAPI.CreateCertificationKey", "wrong-api-key",
                                          user_id=QOO10_USER_ID, pwd="qoo10-sandbox-password")
        self.assertEqual((status, body), (200, {"ResultCode": -90002, "ResultMsg":
                                                "Not authorized: the API key (GiosisCertificationKey) is not valid."}))
        status, body = self.sb.qoo10_call("CertificationAPI.CreateCertificationKey", QOO10_API_KEY,
                                          user_id=QOO10_USER_ID, pwd="wrong")
        self.assertEqual((status, body["ResultCode"]), (200, -10001))
        status, body = self.sb.qoo10_call("CertificationAPI.CreateCertificationKey", QOO10_API_KEY,
                                          user_id=QOO10_USER_ID)
        self.assertEqual((status, body), (200, {"ResultCode": -10101, "ResultMsg": "user_id and pwd are required."}))

    def test_key_is_required_and_checked(self):
        params = dict(qoo10_days(), ShippingStat="2", search_condition="1")
        for key in (None, "not-a-key", QOO10_API_KEY):
            status, body = self.shipping(key, **params)
            self.assertEqual((status, body), (200, {"ResultCode": -10000,
                                                    "ResultMsg": "Please check the Seller Authorization Key."}), key)
        status, body = self.shipping(self.key, **params)
        self.assertEqual((status, body["ResultCode"], body["ResultMsg"]), (200, 0, "SUCCESS"))
        # An expired key: the doc's -90004; a new key works.
        old = self.sb.qoo10_key()
        self.sb.expire_tokens(QOO10_USER_ID)
        status, body = self.shipping(old, **params)
        self.assertEqual((status, body["ResultCode"]), (200, -90004))
        self.assertEqual(body["ResultMsg"], "The Seller Authorization Key has expired. Please issue a new key.")
        type(self).key = self.sb.qoo10_key()
        status, body = self.shipping(self.key, **params)
        self.assertEqual(body["ResultCode"], 0)

    def test_method_version_and_return_type(self):
        params = dict(qoo10_days(), ShippingStat="2", search_condition="1")
        status, body = self.sb.qoo10_call("ShippingBasic.GetShippingInfo_v9", self.key, **params)
        self.assertEqual((status, body), (200, {"ErrorCode": -90001,
                                                "ErrorMsg": "API does not exist: ShippingBasic.GetShippingInfo_v9"}))
        # Method names are case-insensitive.
        status, body = self.sb.qoo10_call("shippingbasic.getshippinginfo_V2", self.key, **params)
        self.assertEqual(body["ResultCode"], 0)
        status, _, body = self.sb.request_json(
            "POST", QOO10_BASE + "/ShippingBasic.GetShippingInfo_v2", "",
            {"Content-Type": "application/x-www-form-urlencoded", "GiosisCertificationKey": self.key},
            urllib.parse.urlencode(dict(params, returnType="application/json")))
        self.assertEqual((status, body), (200, {"ErrorCode": -90001,
                                                "ErrorMsg": "Header QAPIVersion (1.0 or 1.1) is required."}))
        status, body = self.shipping(self.key, **dict(params, returnType="text/xml"))
        self.assertEqual(body["ResultCode"], -10101)
        # The legacy style: everything in the query, the key URL-encoded.
        query = urllib.parse.urlencode(dict(params, v="1.0", method="ShippingBasic.GetShippingInfo_v2",
                                            key=self.key, returnType="json"))
        status, _, body = self.sb.request_json("GET", QOO10_BASE, query)
        self.assertEqual((status, body["ResultCode"]), (200, 0))

    def test_parameter_errors_and_window(self):
        days = qoo10_days()
        cases = [
            (dict(days, ShippingStat="6", search_condition="1"), "ShippingStat must be 1 to 5 (got '6')."),
            (dict(days, ShippingStat="2"), "search_condition must be 1 (order date), 2 (payment date), "
                                           "3 (shipped date) or 4 (delivered date) (got '')."),
            (dict(days, ShippingStat="2", search_condition="1", search_Sdate="2026-01-01"),
             "search_Sdate must be yyyyMMdd or yyyyMMddHHmmss (JST) (got '2026-01-01')."),
            (dict(ShippingStat="2", search_condition="1", search_Sdate="20260102", search_Edate="20260101"),
             "search_Sdate must not be after search_Edate."),
            (dict(ShippingStat="2", search_condition="1", search_Sdate="20260101", search_Edate="20260201"),
             "The search period cannot exceed 30 days."),
            (dict(ShippingStat="2", search_condition="1", search_Sdate="20260101000000",
                  search_Edate="20260131000001"), "The search period cannot exceed 30 days."),
        ]
        for params, message in cases:
            status, body = self.shipping(self.key, **params)
            self.assertEqual((status, body), (200, {"ResultCode": -10101, "ResultMsg": message}), params)
        status, body = self.shipping(self.key, ShippingStat="2", search_condition="1", search_Sdate="20260101",
                                     search_Edate="20260131")
        self.assertEqual((body["ResultCode"], body["ResultObject"]), (0, []))

    def test_lines_match_the_truth(self):
        truth = {}
        for order in self.sb.orders(QOO10_USER_ID):
            for item in order["items"]:
                truth[item["order_no"]] = (order, item)
        seen = {}
        for stat in "12345":
            status, body = self.shipping(self.key, ShippingStat=stat, search_condition="1", **qoo10_days())
            self.assertEqual((status, body["ResultCode"]), (200, 0), body)
            for row in body["ResultObject"]:
                key = str(row["orderNo"])
                self.assertNotIn(key, seen)
                seen[key] = row
                order, item = truth[key]
                self.assertEqual(item["status"], stat)
                self.assertTrue(row["shippingStatus"].endswith(f"({stat})"), row["shippingStatus"])
                self.assertEqual(str(row["packNo"]), order["pack_no"])
                self.assertEqual(row["RelatedOrder"], ",".join(order["order_nos"]))
                self.assertEqual((row["orderQty"], row["orderPrice"], row["sellerItemCode"]),
                                 (item["quantity"], item["unit_price"], item["sku"]))
                self.assertEqual(row["Currency"], "JPY")
                self.assertRegex(row["orderDate"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
                created = datetime.datetime.strptime(row["orderDate"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
                self.assertEqual(created, parse_utc(order["created_at"]).replace(microsecond=0))
        self.assertEqual(set(seen), set(truth))

    def test_search_conditions_and_inclusive_seconds(self):
        orders = self.sb.orders(QOO10_USER_ID)
        shipped = {i["order_no"] for o in orders for i in o["items"] if i["status"] == "4"}
        status, body = self.shipping(self.key, ShippingStat="4", search_condition="3", **qoo10_days())
        self.assertEqual({str(r["orderNo"]) for r in body["ResultObject"]}, shipped)
        # yyyyMMddHHmmss: the end second is included, the start second too.
        order = orders[10]
        created = parse_utc(order["created_at"])
        stat = order["items"][0]["status"]
        exact = qoo10_time(created)
        status, body = self.shipping(self.key, ShippingStat=stat, search_condition="1",
                                     search_Sdate=exact, search_Edate=exact)
        self.assertIn(order["items"][0]["order_no"], {str(r["orderNo"]) for r in body["ResultObject"]})
        after = qoo10_time(created + datetime.timedelta(seconds=1))
        status, body = self.shipping(self.key, ShippingStat=stat, search_condition="1",
                                     search_Sdate=after, search_Edate=after)
        self.assertNotIn(order["items"][0]["order_no"], {str(r["orderNo"]) for r in body["ResultObject"]})

    def test_faults_and_mutate(self):
        params = dict(qoo10_days(), ShippingStat="2", search_condition="1")
        self.sb.fault("503", account=QOO10_USER_ID)
        status, body = self.shipping(self.key, **params)
        self.assertEqual((status, body), (503, {"ResultCode": -10101, "ResultMsg": "Service Unavailable"}))
        self.sb.fault("truncated_json", path_contains="GetShippingInfo")
        status, _, raw = self.sb.request("POST", QOO10_BASE + "/ShippingBasic.GetShippingInfo_v2", "",
                                         {"Content-Type": "application/x-www-form-urlencoded",
                                          "GiosisCertificationKey": self.key, "QAPIVersion": "1.0"},
                                         urllib.parse.urlencode(
                                             dict(params, returnType="application/json")))
        self.assertEqual(status, 200)
        with self.assertRaises(json.JSONDecodeError):
            json.loads(raw)
        added = self.sb.add(QOO10_USER_ID, 1)[0]
        self.assertEqual({i["status"] for i in added["items"]}, {"2"})
        line = added["items"][0]["order_no"]
        moved = self.sb.mutate(QOO10_USER_ID, ids=[line], status="4")[0]
        self.assertEqual(moved["items"][0]["status"], "4")
        self.assertIsNotNone(moved["items"][0]["shipped_at"])
        status, body = self.shipping(self.key, ShippingStat="4", search_condition="3", **qoo10_days(0))
        self.assertIn(line, {str(r["orderNo"]) for r in body["ResultObject"]})

    def test_duplicate_row(self):
        config = default_config(orders=10)
        account_config(config, "qoo10jp")["duplicate_across_pages"] = True
        with Sandbox(config) as sb:
            key = sb.qoo10_key()
            status, body = sb.qoo10_call("ShippingBasic.GetShippingInfo_v2", key, ShippingStat="2",
                                         search_condition="1", **qoo10_days())
            rows = body["ResultObject"]
            self.assertGreaterEqual(len(rows), 2)
            self.assertEqual(rows[0], rows[1])
            self.assertEqual(len({r["orderNo"] for r in rows}), len(rows) - 1)


def playauto_body(**extra):
    today = datetime.datetime.now(KST_TZ).date()
    body = {"start": 0, "length": 500, "date_type": "wdate", "sdate": str(today - datetime.timedelta(days=4)),
            "edate": str(today), "status": ["ALL"]}
    body.update(extra)
    return body


KST_TZ = datetime.timezone(datetime.timedelta(hours=9))


def playauto_collect(test, sb, token, length, **extra):
    rows, pages, start = [], [], 0
    while True:
        status, body = sb.playauto_orders(token, playauto_body(start=start, length=length, **extra))
        test.assertEqual(status, 200, body)
        test.assertLessEqual(len(body["results"]), length)
        test.assertEqual([r["uniq"] for r in body["results_prod"]], [r["uniq"] for r in body["results"]])
        pages.append([r["uniq"] for r in body["results"]])
        rows.extend(body["results"])
        start += length
        if start >= body["recordsTotal"]:
            return rows, pages, body


class PlayAutoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = default_config(orders=60)
        account_config(config, "playauto")["unknown_status"] = True
        cls.sb = Sandbox(config).start()
        cls.token = cls.sb.playauto_token()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def test_auth(self):
        status, _, body = self.sb.request_json("POST", PLAYAUTO_BASE + "/auth", "",
                                               {"x-api-key": PLAYAUTO_API_KEY, "Content-Type": "application/json"},
                                               {"email": PLAYAUTO_EMAIL, "password": "playauto-sandbox-password"})
        self.assertEqual(status, 200)
        self.assertIsInstance(body, list)
        self.assertEqual(sorted(body[0]), ["email", "sol_no", "token"])
        status, _, body = self.sb.request_json("POST", PLAYAUTO_BASE + "/auth", "",
                                               {"x-api-key": "nope", "Content-Type": "application/json"},
                                               {"email": PLAYAUTO_EMAIL, "password": "playauto-sandbox-password"})
        self.assertEqual((status, body), (401, {"error_code": "e1001",
                                                "messages": ["x-api-key is missing or not valid."]}))
        status, _, body = self.sb.request_json("POST", PLAYAUTO_BASE + "/auth", "",
                                               {"x-api-key": PLAYAUTO_API_KEY, "Content-Type": "application/json"},
                                               {"email": PLAYAUTO_EMAIL, "password": "wrong"})
        self.assertEqual((status, body), (401, {"error_code": "e1002",
                                                "messages": ["The email or password is not correct."]}))

    def test_token_is_required(self):
        status, body = self.sb.playauto_orders(None, playauto_body())
        self.assertEqual((status, body), (401, {"error_code": "e1003",
                                                "messages": ["Authorization: Token <token> is required."]}))
        status, _, body = self.sb.request_json("POST", PLAYAUTO_BASE + "/orders", "",
                                               {"x-api-key": PLAYAUTO_API_KEY, "Content-Type": "application/json",
                                                "Authorization": "Bearer " + self.token}, playauto_body())
        self.assertEqual((status, body["error_code"]), (401, "e1003"))
        status, body = self.sb.playauto_orders("forged", playauto_body())
        self.assertEqual((status, body), (401, {"error_code": "e1003", "messages": ["The token is not valid."]}))
        status, body = self.sb.playauto_orders(self.token, playauto_body(), api_key="nope")
        self.assertEqual((status, body["error_code"]), (401, "e1001"))
        # expire_tokens: 401 until a new token is fetched.
        old = self.sb.playauto_token()
        self.sb.fault("expire_tokens", account=PLAYAUTO_EMAIL)
        status, body = self.sb.playauto_orders(old, playauto_body())
        self.assertEqual((status, body["messages"]),
                         (401, ["The token has expired; request a new one with POST /auth."]))
        type(self).token = self.sb.playauto_token()
        status, _ = self.sb.playauto_orders(self.token, playauto_body())
        self.assertEqual(status, 200)

    def test_limits(self):
        cases = [
            (playauto_body(length=3001), "o2044", "length 3001 is more than 3000 rows."),
            (playauto_body(date_type=""), "o2001", "date_type is required."),
            (playauto_body(date_type="created"), "o2001", "date_type 'created' is not supported."),
            (playauto_body(sdate="20260101"), "o2001", 'sdate is required as YYYY-MM-DD (got "20260101").'),
            (playauto_body(sdate="2026-01-02", edate="2026-01-01"), "o2001", "sdate must not be after edate."),
            (playauto_body(status="ALL"), "o2001", 'status must be an array of status strings or ["ALL"].'),
        ]
        for body, code, message in cases:
            status, answer = self.sb.playauto_orders(self.token, body)
            self.assertEqual((status, answer), (400, {"error_code": code, "messages": [message]}), body)
        status, answer = self.sb.playauto_orders(self.token, playauto_body(length=3000))
        self.assertEqual(status, 200)

    def test_paging_matches_the_truth(self):
        truth = {}
        for order in self.sb.orders(PLAYAUTO_EMAIL):
            for item in order["items"]:
                truth[item["uniq"]] = (order, item)
        rows, pages, last = playauto_collect(self, self.sb, self.token, 7)
        uniqs = [r["uniq"] for r in rows]
        self.assertEqual(len(uniqs), len(set(uniqs)))
        self.assertEqual(set(uniqs), set(truth))
        self.assertEqual(last["recordsTotal"], len(truth))
        self.assertEqual(sum(last["statusCount"].values()), len(truth))
        previous = None
        for row in rows:
            order, item = truth[row["uniq"]]
            self.assertEqual(row["bundle_no"], order["bundle_no"])
            self.assertEqual(row["ord_status"], item["status"])
            self.assertEqual((row["sale_cnt"], row["c_sale_cd"]), (item["quantity"], item["sku"]))
            self.assertEqual(parse_kst(row["wdate"]), parse_utc(order["collected_at"]).replace(microsecond=0))
            # wdate desc by default.
            if previous is not None:
                self.assertGreaterEqual(previous, row["wdate"])
            previous = row["wdate"]
        # unknown_status: the first order and every tenth carry a status outside the doc's list.
        unknown = {u for u, (_, item) in truth.items() if item["status"] == "배송지연"}
        self.assertTrue(unknown)
        self.assertEqual({r["uniq"] for r in rows if r["ord_status"] == "배송지연"}, unknown)
        # A status filter.
        status, body = self.sb.playauto_orders(self.token, playauto_body(status=["신규주문"], length=3000))
        self.assertEqual({r["uniq"] for r in body["results"]},
                         {u for u, (_, item) in truth.items() if item["status"] == "신규주문"})

    def test_faults_add_and_mutate(self):
        self.sb.fault("503", account=PLAYAUTO_EMAIL)
        status, body = self.sb.playauto_orders(self.token, playauto_body())
        self.assertEqual((status, body), (503, {"error_code": "e5030", "messages": ["Service Unavailable"]}))
        self.sb.fault("drop", path_contains="/api/orders")
        self.assertTrue(is_connection_dropped(self.sb, "POST", PLAYAUTO_BASE + "/orders", "",
                                              {"x-api-key": PLAYAUTO_API_KEY, "Authorization": "Token " + self.token}))
        added = self.sb.add(PLAYAUTO_EMAIL, 1)[0]
        self.assertEqual({i["status"] for i in added["items"]}, {"신규주문"})
        moved = self.sb.mutate(PLAYAUTO_EMAIL, ids=[added["items"][0]["uniq"]])[0]
        self.assertEqual(moved["items"][0]["status"], "출고대기")
        status, body = self.sb.playauto_orders(self.token, playauto_body(date_type="mdate", length=3000,
                                                                          orderby="mdate desc"))
        self.assertEqual(body["results"][0]["uniq"], added["items"][0]["uniq"])
        self.assertEqual(body["results"][0]["ord_status"], "출고대기")
        self.sb.fault("mutate_between_pages", account=PLAYAUTO_EMAIL, path_contains="/api/orders", mutate_count=1)
        status, body = self.sb.playauto_orders(self.token, playauto_body(date_type="mdate", length=3000,
                                                                          orderby="mdate desc"))
        after = {i["uniq"]: i["status"] for o in self.sb.orders(PLAYAUTO_EMAIL) for i in o["items"]}
        self.assertEqual(after[body["results"][0]["uniq"]], "운송장출력")

    def test_duplicate_across_pages(self):
        config = default_config(orders=10)
        account_config(config, "playauto")["duplicate_across_pages"] = True
        with Sandbox(config) as sb:
            token = sb.playauto_token()
            truth = {i["uniq"] for o in sb.orders(PLAYAUTO_EMAIL) for i in o["items"]}
            rows, pages, last = playauto_collect(self, sb, token, 4)
            self.assertEqual(pages[0][-1], pages[1][0])
            self.assertEqual(last["recordsTotal"], len(truth) + 1)
            self.assertEqual({r["uniq"] for r in rows}, truth)


class NewKindsControlTest(unittest.TestCase):
    def test_default_json_matches_default_config_and_health(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sandbox", "default.json")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(json.load(f), default_config())
        with Sandbox(default_config(orders=4)) as sb:
            health = sb.health()
            self.assertEqual([(a["kind"], a["id"]) for a in health["accounts"]],
                             [("coupang", COUPANG_VENDOR), ("smartstore", SMARTSTORE_CLIENT_ID),
                              ("shopee", str(SHOPEE_SHOP_ID)), ("qoo10jp", QOO10_USER_ID),
                              ("playauto", PLAYAUTO_EMAIL)])
            shopee = sb.orders(str(SHOPEE_SHOP_ID))[0]
            self.assertEqual(shopee["order_id"], shopee["order_sn"])
            self.assertEqual(sorted(shopee["items"][0]), ["changed_at", "item_id", "model_id", "order_item_id",
                                                          "quantity", "sku", "status", "unit_price"])
            qoo10 = sb.orders(QOO10_USER_ID)[0]
            self.assertEqual(qoo10["order_id"], qoo10["pack_no"])
            self.assertEqual(qoo10["order_nos"], [i["order_no"] for i in qoo10["items"]])
            playauto = sb.orders(PLAYAUTO_EMAIL)[0]
            self.assertEqual(playauto["uniqs"], [i["uniq"] for i in playauto["items"]])
            self.assertTrue(all(u.startswith(playauto["bundle_no"]) for u in playauto["uniqs"]))

    def test_bad_new_kind_configs_are_refused(self):
        for kind, field, message in [("shopee", "refresh_token",
                                      "shopee needs partner_id, partner_key, shop_id and refresh_token"),
                                     ("qoo10jp", "api_key", "qoo10jp needs user_id, api_key and password"),
                                     ("playauto", "password", "playauto needs email, api_key and password")]:
            config = default_config(orders=1)
            del account_config(config, kind)[field]
            sb = Sandbox(config)
            self.addCleanup(sb.stop)
            with self.assertRaises(RuntimeError) as caught:
                sb.start()
            self.assertIn(message, str(caught.exception))



if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
