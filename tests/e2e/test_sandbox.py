"""The sandbox enforces the marketplace contracts (docs/marketplaces/coupang.md, smartstore.md).

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
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import (COUPANG_ACCESS_KEY, COUPANG_VENDOR, SMARTSTORE_CLIENT_ID,  # noqa: E402
                     SMARTSTORE_CLIENT_SECRET, Sandbox, coupang_authorization, coupang_minute,
                     coupang_signed_date, default_config, is_connection_dropped, parse_utc,
                     smartstore_time)

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


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
