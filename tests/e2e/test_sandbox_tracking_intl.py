"""The sandbox's upload side for Shopee, PlayAuto and Qoo10 enforces the contracts
(shopee.md §1.5, §1.8; playauto.md §3.3-§3.5, §3.7; qoo10jp.md §2.2, §2.4) over real HTTP:
preconditions, refusals in each marketplace's own shape, the memory of accepted numbers
(GET /__sandbox/tracking) and the buyer's cancel (POST /__sandbox/cancel).

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_tracking_intl.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import (PLAYAUTO_API_KEY, PLAYAUTO_BASE, PLAYAUTO_EMAIL, QOO10_USER_ID, SHOPEE_SHOP_ID,  # noqa: E402
                     Sandbox, default_config, qoo10_time, shopee_query)

UTC = datetime.timezone.utc
KST = datetime.timezone(datetime.timedelta(hours=9))
SHOP = str(SHOPEE_SHOP_ID)
PARAMETER = "/api/v2/logistics/get_shipping_parameter"
SHIP = "/api/v2/logistics/ship_order"
TRACKING = "/api/v2/logistics/get_tracking_number"
DETAIL = "/api/v2/order/get_order_detail"


def control(sb, method, name, body=None, query="", prefix="/__sandbox/"):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return sb.request_json(method, prefix + name, query, headers, body)[::2]


def ledger(sb, kind):
    status, body = control(sb, "GET", "tracking", query="kind=" + kind)
    assert status == 200, body
    return body


def first(orders, predicate, what):
    for order in orders:
        if predicate(order):
            return order
    raise AssertionError(f"no order {what} in the sandbox's seed")


class ControlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=40)).start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def test_tracking_is_empty_at_start_and_has_an_alias(self):
        self.assertEqual(ledger(self.sb, "shopee"), [])
        self.assertEqual(control(self.sb, "GET", "tracking", query="kind=shopee", prefix="/_control/"), (200, []))
        self.assertEqual(control(self.sb, "GET", "tracking", query="kind=ebay")[0], 400)

    def test_cancel_refuses_bad_requests(self):
        self.assertEqual(control(self.sb, "POST", "cancel", {"kind": "shopee"})[0], 400)
        self.assertEqual(control(self.sb, "POST", "cancel", {"kind": "amazon", "order": "1"})[0], 400)
        self.assertEqual(control(self.sb, "POST", "cancel", {"kind": "shopee", "order": "NOPE"})[0], 404)
        self.assertEqual(control(self.sb, "POST", "cancel", {"kind": "shopee", "order": "X", "stage": "maybe"})[0], 400)
        shipped = first(self.sb.orders(SHOP), lambda o: o["status"] == "COMPLETED", "COMPLETED")
        status, body = control(self.sb, "POST", "cancel", {"kind": "shopee", "order": shipped["order_sn"]})
        self.assertEqual(status, 409, body)
        self.assertIn("past the point a buyer can cancel", body["error"])


class ShopeeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=60)).start()
        status, body = cls.sb.shopee_refresh()
        assert status == 200, body
        cls.token = body["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def ready(self, count):
        """`count` READY_TO_SHIP orders nobody else uses: fresh ones from the add control."""
        return [o["order_sn"] for o in self.sb.add(SHOP, count)]

    def truth(self, sn):
        return next(o for o in self.sb.orders(SHOP) if o["order_sn"] == sn)

    def parameter(self, sn, **extra):
        return self.sb.shopee_get(PARAMETER, self.token, order_sn=sn, **extra)

    def ship(self, body, token=None, **query):
        status, _, answer = self.sb.request_json("POST", SHIP, shopee_query(SHIP, token or self.token, **query),
                                                 {"Content-Type": "application/json"}, body)
        return status, answer

    def assert_refused(self, answer, code, message=None):
        status, body = answer
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"], code, body)
        self.assertIn("request_id", body)
        self.assertNotIn("response", body)
        if message is not None:
            self.assertIn(message, body["message"])

    def test_shipping_parameter_lists_non_integrated_only(self):
        sn = self.ready(1)[0]
        status, body = self.parameter(sn)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["error"], "")
        self.assertEqual(body["response"]["info_needed"], {"non_integrated": ["tracking_no"]})
        package = "OFG" + sn[6:]
        self.assertEqual(self.parameter(sn, package_number=package)[0], 200)
        self.assert_refused(self.parameter(sn, package_number="OFG000"), "error_param", "is not a package of order")
        self.assert_refused(self.parameter(sn, package_number=""), "error_param", "must not be empty")
        self.assert_refused(self.parameter("2601019ZZZZZZZ"), "error_not_found")
        self.assert_refused(self.sb.shopee_get(PARAMETER, self.token), "error_param", "order_sn is required")

    def test_calls_are_signed_and_token_checked(self):
        sn = self.ready(1)[0]
        status, body = self.sb.shopee_get(PARAMETER, "not-a-token", order_sn=sn)
        self.assertEqual((status, body["error"]), (403, "error_auth"))
        query = shopee_query(SHIP, self.token).replace("sign=", "sign=0")
        status, _, body = self.sb.request_json("POST", SHIP, query, {"Content-Type": "application/json"},
                                               {"order_sn": sn, "non_integrated": {"tracking_number": "X1"}})
        self.assertEqual((status, body["error"]), (403, "error_sign"))
        self.assertEqual(self.sb.shopee_get(SHIP, self.token)[0], 404)  # GET on a POST path

    def test_ship_order_needs_get_shipping_parameter_first(self):
        sn = self.ready(1)[0]
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "SGP0001"}}),
                            "logistics.error_param", "get_shipping_parameter")
        self.assertEqual(self.truth(sn)["status"], "READY_TO_SHIP")
        self.assertFalse([e for e in ledger(self.sb, "shopee") if e["order"] == sn])

    def test_ship_order_body_rules(self):
        sn = self.ready(1)[0]
        self.parameter(sn)
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "A1"},
                                       "pickup": {"address_id": 1}}), "logistics.ship_order_only_support_one_type")
        self.assert_refused(self.ship({"order_sn": sn}), "error_param", "one of pickup, dropoff or non_integrated")
        self.assert_refused(self.ship({"order_sn": sn, "dropoff": {}}), "logistics.error_param", "non_integrated only")
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {}}), "logistics.error_param",
                            "Please input tracking number.")
        self.assert_refused(self.ship({"order_sn": sn, "package_number": "", "non_integrated": {"tracking_number": "A1"}}),
                            "error_param", "must not be empty")
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "X" * 51}}),
                            "logistics.error_param", "too long")
        self.assert_refused(self.ship({"non_integrated": {"tracking_number": "A1"}}), "error_param", "order_sn is required")
        status, _, body = self.sb.request_json("POST", SHIP, shopee_query(SHIP, self.token), {}, "{}")
        self.assertEqual((status, body["error"]), (400, "error_param"))
        self.assertEqual(self.truth(sn)["status"], "READY_TO_SHIP")

    def test_ship_moves_the_order_to_shipped_once(self):
        sn = self.ready(1)[0]
        package = "OFG" + sn[6:]
        self.assertEqual(self.parameter(sn, package_number=package)[0], 200)
        status, body = self.ship({"order_sn": sn, "package_number": package,
                                  "non_integrated": {"tracking_number": "SGP-SHIP-0001"}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["error"], "")
        self.assertNotIn("response", body)  # success has no payload (§1.8)
        self.assertEqual(self.truth(sn)["status"], "SHIPPED")
        # A later collect sees it.
        status, detail = self.sb.shopee_get(DETAIL, self.token, order_sn_list=sn,
                                            response_optional_fields="package_list")
        order = detail["response"]["order_list"][0]
        self.assertEqual(order["order_status"], "SHIPPED")
        self.assertEqual(order["package_list"][0]["tracking_number"], "SGP-SHIP-0001")
        self.assertEqual(order["package_list"][0]["logistics_status"], "LOGISTICS_PICKUP_DONE")
        status, body = self.sb.shopee_get(TRACKING, self.token, order_sn=sn, package_number=package)
        self.assertEqual((status, body["response"]["tracking_number"]), (200, "SGP-SHIP-0001"))
        # Shipping again is refused and remembers nothing more.
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "SGP-SHIP-0002"}}),
                            "logistics.error_param", "only READY_TO_SHIP")
        entries = [e for e in ledger(self.sb, "shopee") if e["order"] == sn]
        self.assertEqual([(e["shipment"], e["number"], e["account"]) for e in entries],
                         [(package, "SGP-SHIP-0001", SHOP)])
        self.assertTrue(entries[0]["at"].endswith("Z"))

    def test_only_ready_to_ship_orders_ship(self):
        for status_name in ("COMPLETED", "UNPAID", "CANCELLED"):
            order = first(self.sb.orders(SHOP), lambda o, s=status_name: o["status"] == s, status_name)
            self.assertEqual(self.parameter(order["order_sn"])[0], 200)
            self.assert_refused(self.ship({"order_sn": order["order_sn"],
                                           "non_integrated": {"tracking_number": "SGP-" + status_name}}),
                                "logistics.error_param", f"is {status_name}; only READY_TO_SHIP")

    def test_tracking_numbers_are_unique_per_shop(self):
        a, b = self.ready(2)
        for sn in (a, b):
            self.parameter(sn)
        self.assertEqual(self.ship({"order_sn": a, "non_integrated": {"tracking_number": "SGP-UNIQ"}})[0], 200)
        self.assert_refused(self.ship({"order_sn": b, "non_integrated": {"tracking_number": "SGP-UNIQ"}}),
                            "logistics.error_param", "Please input a unique tracking number.")
        self.assertEqual(self.truth(b)["status"], "READY_TO_SHIP")

    def test_tracking_number_is_empty_before_shipping(self):
        sn = self.ready(1)[0]
        status, body = self.sb.shopee_get(TRACKING, self.token, order_sn=sn,
                                          response_optional_fields="last_mile_tracking_number")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["response"], {"tracking_number": "", "last_mile_tracking_number": ""})

    def test_cancel_between_parameter_and_ship(self):
        sn, done = self.ready(2)
        self.parameter(sn)
        status, body = control(self.sb, "POST", "cancel", {"kind": "shopee", "order": sn})
        self.assertEqual((status, body["orders"][0]["status"]), (200, "IN_CANCEL"), body)
        status, detail = self.sb.shopee_get(DETAIL, self.token, order_sn_list=sn)
        self.assertEqual(detail["response"]["order_list"][0]["order_status"], "IN_CANCEL")
        self.assert_refused(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "SGP-CANCEL"}}),
                            "logistics.error_param", "is IN_CANCEL")
        status, body = control(self.sb, "POST", "cancel", {"kind": "shopee", "order": done, "stage": "done"},
                               prefix="/_control/")
        self.assertEqual((status, body["orders"][0]["status"]), (200, "CANCELLED"), body)
        self.assertFalse([e for e in ledger(self.sb, "shopee") if e["order"] in (sn, done)])

    def test_faults_reach_the_new_routes(self):
        sn = self.ready(1)[0]
        self.parameter(sn)
        self.sb.fault("429", path_contains="/logistics/ship_order")
        status, body = self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "SGP-RETRY"}})
        self.assertEqual((status, body["error"]), (429, "error_rate_limit"))
        self.assertEqual(self.truth(sn)["status"], "READY_TO_SHIP")
        self.sb.fault("503", path_contains="/logistics/get_shipping_parameter")
        self.assertEqual(self.parameter(sn)[0], 503)
        self.assertEqual(self.ship({"order_sn": sn, "non_integrated": {"tracking_number": "SGP-RETRY"}})[0], 200)


class PlayAutoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=60)).start()
        cls.token = cls.sb.playauto_token()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def call(self, method, path, body=None, token=None):
        headers = {"x-api-key": PLAYAUTO_API_KEY, "Authorization": "Token " + (token or self.token)}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.sb.request_json(method, PLAYAUTO_BASE + path, "", headers, body)[::2]

    def new_bundles(self, count):
        return [o["bundle_no"] for o in self.sb.add(PLAYAUTO_EMAIL, count)]

    def statuses(self, bundle):
        order = next(o for o in self.sb.orders(PLAYAUTO_EMAIL) if o["bundle_no"] == bundle)
        return {i["status"] for i in order["items"]}

    def search(self, bundle, search_type="exact"):
        today = datetime.datetime.now(KST).date()
        status, body = self.sb.playauto_orders(self.token, {
            "start": 0, "length": 100, "date_type": "wdate", "sdate": str(today - datetime.timedelta(days=5)),
            "edate": str(today), "status": ["ALL"], "search_key": "bundle_no", "search_word": bundle,
            "search_type": search_type})
        self.assertEqual(status, 200, body)
        return body["results"]

    def instruct(self, bundles):
        return self.call("PUT", "/order/instruction", {"bundle_codes": bundles, "auto_bundle": False})

    def invoice(self, orders, overwrite=False, complete=True):
        return self.call("PUT", "/order/setInvoice", {"orders": orders, "overwrite": overwrite,
                                                      "change_complete": complete, "dupl_doubt_except_yn": "N"})

    def test_carriers(self):
        status, body = self.call("GET", "/carriers")
        self.assertEqual(status, 200, body)
        table = {c["carrier_code"]: c["carrier_name"] for c in body}
        for code, name in ((4, "CJ대한통운"), (5, "한진택배"), (6, "로젠택배"), (8, "롯데택배"), (9, "우체국택배")):
            self.assertEqual(table[code], name)
        status, body = self.call("GET", "/carriers", token="nope")
        self.assertEqual((status, body["error_code"]), (401, "e1003"))
        self.assertEqual(self.call("POST", "/carriers", {})[0], 405)

    def test_bundle_search(self):
        bundle = self.new_bundles(1)[0]
        rows = self.search(bundle)
        self.assertTrue(rows)
        self.assertEqual({r["bundle_no"] for r in rows}, {bundle})
        self.assertGreaterEqual(len(self.search(bundle[:-3], "partial")), len(rows))
        today = datetime.datetime.now(KST).date()
        status, body = self.sb.playauto_orders(self.token, {"date_type": "wdate", "sdate": str(today), "edate": str(today),
                                                            "search_key": "nickname", "search_word": "x"})
        self.assertEqual((status, body["error_code"]), (400, "o2001"))

    def test_instruction_only_from_new_orders(self):
        bundle = self.new_bundles(1)[0]
        status, body = self.instruct([bundle])
        self.assertEqual((status, body), (200, {"results": "성공"}))
        self.assertEqual(self.statuses(bundle), {"출고대기"})
        status, body = self.instruct([bundle])
        self.assertEqual((status, body["error_code"], body["bundle_codes"]), (400, "e2009", [bundle]))
        self.assertIn("신규주문", body["messages"][0])
        other = self.new_bundles(1)[0]
        status, body = self.instruct([other, "999"])  # one bad bundle fails the whole call
        self.assertEqual((status, body["error_code"], body["bundle_codes"]), (400, "e2009", ["999"]))
        self.assertEqual(self.statuses(other), {"신규주문"})
        self.assertEqual(self.instruct([])[1]["error_code"], "o2001")

    def test_set_invoice_ships_and_shows_in_orders(self):
        bundle, new_order = self.new_bundles(2)
        self.instruct([bundle])
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "8", "invoice_no": "LOTTE-0001"},
                                     {"bundle_no": new_order, "carr_no": "4", "invoice_no": "CJ-0001"},
                                     {"bundle_no": "1234", "carr_no": "4", "invoice_no": "CJ-0002"}])
        self.assertEqual(status, 200, body)
        self.assertEqual(body[0], {"bundle_no": bundle, "result": "성공", "message": ""})
        self.assertEqual((body[1]["result"], body[1]["error_code"]), ("실패", "e2001"))
        self.assertIn("신규주문", body[1]["messages"][0])
        self.assertEqual((body[2]["result"], body[2]["error_code"]), ("실패", "e2001"))
        self.assertEqual(self.statuses(bundle), {"출고완료"})
        self.assertEqual(self.statuses(new_order), {"신규주문"})
        rows = self.search(bundle)
        self.assertEqual({(r["invoice_no"], r["carr_no"], r["carr_name"]) for r in rows}, {("LOTTE-0001", 8, "롯데택배")})
        entries = [e for e in ledger(self.sb, "playauto") if e["order"] in (bundle, new_order)]
        self.assertEqual([(e["order"], e["shipment"], e["carrier"], e["number"]) for e in entries],
                         [(bundle, bundle, "8", "LOTTE-0001")])
        # Shipped now: not in the statuses setInvoice takes.
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "8", "invoice_no": "LOTTE-0002"}], overwrite=True)
        self.assertEqual((body[0]["result"], body[0]["error_code"]), ("실패", "e2001"))

    def test_overwrite_false_keeps_an_invoice(self):
        bundle = self.new_bundles(1)[0]
        self.instruct([bundle])
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "5", "invoice_no": "HJ-1"}], complete=False)
        self.assertEqual(body[0]["result"], "성공")
        self.assertEqual(self.statuses(bundle), {"운송장출력"})
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "5", "invoice_no": "HJ-2"}])
        self.assertEqual((body[0]["result"], body[0]["error_code"]), ("실패", "e2010"))
        self.assertEqual({r["invoice_no"] for r in self.search(bundle)}, {"HJ-1"})
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "5", "invoice_no": "HJ-3"}], overwrite=True)
        self.assertEqual(body[0]["result"], "성공")
        self.assertEqual({r["invoice_no"] for r in self.search(bundle)}, {"HJ-3"})
        self.assertEqual(self.statuses(bundle), {"출고완료"})
        self.assertEqual([e["number"] for e in ledger(self.sb, "playauto") if e["order"] == bundle], ["HJ-1", "HJ-3"])

    def test_invoice_field_rules(self):
        bundle = self.new_bundles(1)[0]
        self.instruct([bundle])
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "777", "invoice_no": "N1"},
                                     {"bundle_no": bundle, "carr_no": 4, "invoice_no": "N1"},
                                     {"bundle_no": bundle, "carr_no": "4", "invoice_no": "N 1"}])
        self.assertEqual([(a["result"], a["error_code"]) for a in body],
                         [("실패", "o2003"), ("실패", "o2001"), ("실패", "o2001")])
        self.assertEqual(self.statuses(bundle), {"출고대기"})
        status, body = self.call("PUT", "/order/setInvoice", {"orders": []})
        self.assertEqual((status, body["error_code"]), (400, "o2001"))
        status, body = self.call("PUT", "/order/setInvoice", {"orders": [{"bundle_no": bundle}], "overwrite": "no"})
        self.assertEqual((status, body["error_code"]), (400, "o2001"))
        status, body = self.call("PUT", "/order/setInvoice", {"orders": []}, token="nope")
        self.assertEqual((status, body["error_code"]), (401, "e1003"))

    def test_cancelled_bundle_is_refused(self):
        requested, done = self.new_bundles(2)
        self.instruct([requested, done])
        status, body = control(self.sb, "POST", "cancel", {"kind": "playauto", "order": requested})
        self.assertEqual((status, body["orders"][0]["status"]), (200, "취소요청"), body)
        status, body = control(self.sb, "POST", "cancel", {"kind": "playauto", "order": done, "stage": "done"})
        self.assertEqual((status, body["orders"][0]["status"]), (200, "취소완료"), body)
        status, body = self.invoice([{"bundle_no": requested, "carr_no": "4", "invoice_no": "C1"},
                                     {"bundle_no": done, "carr_no": "4", "invoice_no": "C2"}])
        self.assertEqual([(a["result"], a["error_code"]) for a in body], [("실패", "e2001"), ("실패", "e2001")])
        self.assertIn("취소요청", body[0]["messages"][0])
        self.assertFalse([e for e in ledger(self.sb, "playauto") if e["order"] in (requested, done)])

    def test_faults_reach_the_new_routes(self):
        bundle = self.new_bundles(1)[0]
        self.instruct([bundle])
        self.sb.fault("503", path_contains="/order/setInvoice")
        status, body = self.invoice([{"bundle_no": bundle, "carr_no": "4", "invoice_no": "F1"}])
        self.assertEqual((status, body["error_code"]), (503, "e5030"))
        self.assertEqual(self.statuses(bundle), {"출고대기"})
        self.sb.fault("429", path_contains="/carriers")
        self.assertEqual(self.call("GET", "/carriers")[1]["error_code"], "e4290")
        self.assertEqual(self.invoice([{"bundle_no": bundle, "carr_no": "4", "invoice_no": "F1"}])[1][0]["result"], "성공")


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

    def send(self, order_no, corp="ヤマト宅急便", tracking="Y-0001", key=None):
        params = {"OrderNo": order_no, "ShippingCorp": corp, "TrackingNo": tracking}
        return self.sb.qoo10_call("ShippingBasic.SetSendingInfo", key or self.key,
                                  **{k: v for k, v in params.items() if v is not None})

    def new_lines(self, count=1):
        """Order lines of new packs (ShippingStat 2), each pack with its lines."""
        return [(o["pack_no"], o["order_nos"]) for o in self.sb.add(QOO10_USER_ID, count)]

    def line_status(self, order_no):
        for order in self.sb.orders(QOO10_USER_ID):
            for item in order["items"]:
                if item["order_no"] == order_no:
                    return item["status"]
        raise AssertionError(order_no)

    def listed(self, stat, condition="3"):
        today = datetime.datetime.now(UTC)
        status, body = self.sb.qoo10_call("ShippingBasic.GetShippingInfo_v2", self.key, ShippingStat=str(stat),
                                          search_condition=condition,
                                          search_Sdate=qoo10_time(today - datetime.timedelta(days=5), seconds=False),
                                          search_Edate=qoo10_time(today, seconds=False))
        self.assertEqual((status, body["ResultCode"]), (200, 0), body)
        return {str(r["orderNo"]): r for r in body["ResultObject"]}

    def assert_refused(self, answer, code, message):
        status, body = answer
        self.assertEqual(status, 200, body)
        self.assertEqual(body["ResultCode"], code, body)
        self.assertIn(message, body["ResultMsg"])
        self.assertNotIn("ResultObject", body)

    def test_send_moves_the_line_to_shipped(self):
        pack, lines = self.new_lines()[0]
        status, body = self.send(lines[0], corp="佐川急便", tracking="SG-123")
        self.assertEqual((status, body), (200, {"ResultCode": 0, "ResultMsg": "SUCCESS"}))
        self.assertEqual(self.line_status(lines[0]), "4")
        row = self.listed(4)[lines[0]]
        self.assertEqual((row["TrackingNo"], row["DeliveryCompany"], row["shippingStatus"]), ("SG-123", "佐川急便", "配送中(4)"))
        entries = [e for e in ledger(self.sb, "qoo10jp") if e["order"] == pack]
        self.assertEqual([(e["shipment"], e["carrier"], e["number"]) for e in entries], [(lines[0], "佐川急便", "SG-123")])
        # The second upload of a shipped line is refused.
        self.assert_refused(self.send(lines[0], tracking="SG-124"), -10101, "only 配送要請(2) and 配送準備(3)")
        self.assertEqual(len([e for e in ledger(self.sb, "qoo10jp") if e["order"] == pack]), 1)

    def test_only_shippable_lines(self):
        for stat in ("1", "5"):
            line = next(i["order_no"] for o in self.sb.orders(QOO10_USER_ID) for i in o["items"] if i["status"] == stat)
            self.assert_refused(self.send(line, tracking="S-" + stat), -10101, f"({stat}); only")
        line = next(i["order_no"] for o in self.sb.orders(QOO10_USER_ID) for i in o["items"] if i["status"] == "3")
        self.assertEqual(self.send(line, tracking="S-3")[1]["ResultCode"], 0)

    def test_refusals(self):
        pack, lines = self.new_lines()[0]
        self.assert_refused(self.send("1"), -10001, "Order not found")
        self.assert_refused(self.send(lines[0], corp="Amazon Logistics"), -10101, "not a registered carrier name")
        self.assert_refused(self.send(lines[0], corp="YAMATO"), -10101, "not a registered carrier name")
        self.assert_refused(self.send(lines[0], tracking=None), -10101, "required")
        self.assert_refused(self.send(lines[0], tracking="9" * 51), -10101, "at most 50")
        status, body = self.send(lines[0], key="not-a-key")
        self.assertEqual((status, body["ResultCode"]), (200, -10000))
        self.assertEqual(self.line_status(lines[0]), "2")
        self.assertFalse([e for e in ledger(self.sb, "qoo10jp") if e["order"] == pack])

    def test_cancelled_pack(self):
        pack, lines = self.new_lines()[0]
        self.assertIn(lines[0], self.listed(2, condition="1"))
        status, body = control(self.sb, "POST", "cancel", {"kind": "qoo10jp", "order": int(pack)})
        self.assertEqual((status, body["orders"][0]["status"]), (200, "cancelled"), body)
        for stat in range(1, 6):
            self.assertNotIn(lines[0], self.listed(stat, condition="1"))
        self.assert_refused(self.send(lines[0]), -10101, "has been cancelled")
        self.assertFalse([e for e in ledger(self.sb, "qoo10jp") if e["order"] == pack])

    def test_faults_reach_the_new_route(self):
        pack, lines = self.new_lines()[0]
        self.sb.fault("429", path_contains="SetSendingInfo")
        status, body = self.send(lines[0])
        self.assertEqual((status, body["ResultCode"]), (429, -10101))
        self.assertEqual(self.line_status(lines[0]), "2")
        self.sb.fault("500", path_contains="SetSendingInfo")
        self.assertEqual(self.send(lines[0])[0], 500)
        self.assertEqual(self.send(lines[0], tracking="Y-AFTER")[1]["ResultCode"], 0)


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
