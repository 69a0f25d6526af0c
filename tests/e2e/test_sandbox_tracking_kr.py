"""The sandbox enforces the Coupang and Smartstore tracking-upload contracts (coupang.md §2.3
acknowledgement, §2.4 invoices, §2.7 codes; smartstore.md §1.4 confirmation, §1.5 dispatch,
§1.8 codes), remembers every number it received and cancels orders on request.

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_tracking_kr.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import base64
import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import (COUPANG_VENDOR, SMARTSTORE_CLIENT_ID, SMARTSTORE_CLIENT_SECRET, Sandbox,  # noqa: E402
                     coupang_authorization, default_config, smartstore_time)
from test_sandbox import form, libcrypt_bcrypt  # noqa: E402

V4 = f"/v2/providers/openapi/apis/api/v4/vendors/{COUPANG_VENDOR}"
V5 = f"/v2/providers/openapi/apis/api/v5/vendors/{COUPANG_VENDOR}"
ACK = V4 + "/ordersheets/acknowledgement"
INVOICES = V4 + "/orders/invoices"
UPDATE_INVOICES = V4 + "/orders/updateInvoices"
NAVER = "/external/v1/pay-order/seller"


def coupang(sb, method, path, body=None, signed=True):
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    if signed:
        headers["Authorization"] = coupang_authorization(method, path, "")
    return sb.request_json(method, path, "", headers, body)


def dtos(box, number, carrier="CJGLS", items=None):
    return [{"shipmentBoxId": int(box["shipment_box_id"]), "orderId": int(box["order_id"]),
             "vendorItemId": int(item["vendor_item_id"]), "deliveryCompanyCode": carrier, "invoiceNumber": number,
             "splitShipping": False, "preSplitShipped": False, "estimatedShippingDate": ""}
            for item in (items if items is not None else box["items"])]


def invoice(sb, dto_list):
    return coupang(sb, "POST", INVOICES, {"vendorId": COUPANG_VENDOR, "orderSheetInvoiceApplyDtos": dto_list})


def update_invoice(sb, dto_list):
    return coupang(sb, "POST", UPDATE_INVOICES, {"vendorId": COUPANG_VENDOR, "orderSheetInvoiceApplyDtos": dto_list})


def received(sb, account, number):
    rows = sb._control("GET", "tracking", query="account=" + account)["received"]
    return [row for row in rows if row["tracking_number"] == number]


class SandboxCase(unittest.TestCase):
    """One sandbox per test class, faults cleared before each test."""

    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=10))
        cls.sb.start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()


class CoupangTrackingTest(SandboxCase):
    def new_box(self, acknowledged=True):
        box = self.sb.add(COUPANG_VENDOR, 1)[0]
        self.assertEqual(box["status"], "ACCEPT")
        if acknowledged:
            status, _, body = coupang(self.sb, "PUT", ACK, {"vendorId": COUPANG_VENDOR,
                                                             "shipmentBoxIds": [int(box["shipment_box_id"])]})
            self.assertEqual((status, body["data"]["responseCode"]), (200, 0), body)
        return box

    def sheet(self, box):
        path = f"{V5}/{box['order_id']}/ordersheets"
        status, _, body = coupang(self.sb, "GET", path)
        self.assertEqual(status, 200, body)
        return body["data"][0]

    def test_acknowledgement_only_from_accept(self):
        fresh = self.new_box(acknowledged=False)
        moved = self.new_box()
        status, _, body = coupang(self.sb, "PATCH", ACK, {"vendorId": COUPANG_VENDOR, "shipmentBoxIds": [
            int(fresh["shipment_box_id"]), int(moved["shipment_box_id"]), 1]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["data"]["responseCode"], 1)
        codes = [entry["resultCode"] for entry in body["data"]["responseList"]]
        self.assertEqual(codes, ["OK", "INVALID_STATUS", "NOT_FOUND_SHIPMENT_BOX"])
        self.assertEqual(self.sheet(fresh)["status"], "INSTRUCT")
        status, _, body = coupang(self.sb, "POST", ACK, {"vendorId": COUPANG_VENDOR, "shipmentBoxIds": [1]})
        self.assertEqual(status, 405)
        status, _, body = coupang(self.sb, "PUT", ACK, {"vendorId": COUPANG_VENDOR, "shipmentBoxIds": list(range(51))})
        self.assertEqual((status, body["code"]), (400, 400))

    def test_invoice_only_in_instruct_then_shipped_and_never_twice(self):
        box = self.new_box(acknowledged=False)
        status, _, body = invoice(self.sb, dtos(box, "400000000001"))
        self.assertEqual(status, 200, body)
        entry = body["data"]["responseList"][0]
        self.assertEqual((body["data"]["responseCode"], entry["resultCode"], entry["retryRequired"]),
                         (99, "INVALID_STATUS", False))
        coupang(self.sb, "PUT", ACK, {"vendorId": COUPANG_VENDOR, "shipmentBoxIds": [int(box["shipment_box_id"])]})
        status, _, body = invoice(self.sb, dtos(box, "400000000001", carrier="LOTTE"))
        self.assertEqual(status, 400, body)
        self.assertIn("deliveryCompanyCode", body["message"])
        status, _, body = invoice(self.sb, dtos(box, "400000000001", carrier="HYUNDAI"))
        self.assertEqual((status, body["code"], body["data"]["responseCode"]), (200, "200", 0), body)
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "OK")
        sheet = self.sheet(box)
        self.assertEqual((sheet["status"], sheet["invoiceNumber"], sheet["deliveryCompanyName"]),
                         ("DEPARTURE", "400000000001", "롯데택배"))
        status, _, body = invoice(self.sb, dtos(box, "400000000001", carrier="HYUNDAI"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "NOT_ALLOW_INVOICE_NUMBER_RE_UPLOAD")
        rows = received(self.sb, COUPANG_VENDOR, "400000000001")
        self.assertEqual([row["result"] for row in rows].count("OK"), len(box["items"]))
        self.assertEqual({row["shipment"] for row in rows}, {box["shipment_box_id"]})

    def test_number_reused_for_another_receiver_is_a_duplicate(self):
        first, second = self.new_box(), self.new_box()
        if (self.sheet(first)["receiver"]["name"], self.sheet(first)["receiver"]["addr1"]) == \
                (self.sheet(second)["receiver"]["name"], self.sheet(second)["receiver"]["addr1"]):
            second = self.new_box()
        _, _, body = invoice(self.sb, dtos(first, "400000000002"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "OK")
        _, _, body = invoice(self.sb, dtos(second, "400000000002"))
        entry = body["data"]["responseList"][0]
        self.assertEqual((entry["resultCode"], entry["retryRequired"], entry["succeed"]),
                         ("DUPLICATE_INVOICE_NUMBER", True, False))

    def test_items_numbers_and_signature(self):
        box = self.new_box()
        _, _, body = invoice(self.sb, dtos(box, "12ab"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "INVALID_INVOICE_NUMBER")
        _, _, body = invoice(self.sb, dtos(box, "400000000003", items=[{"vendor_item_id": "1"}]))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "NOT_FOUND_VENDOR_ITEM")
        broken = dtos(box, "400000000003")
        del broken[0]["splitShipping"]
        status, _, body = invoice(self.sb, broken)
        self.assertEqual((status, body["message"]), (400, "splitShipping is required (a boolean)."))
        status, _, body = invoice(self.sb, dtos(box, "400000000003") * 51)
        self.assertEqual(status, 400)
        status, _, body = coupang(self.sb, "POST", INVOICES, {"vendorId": COUPANG_VENDOR,
                                                              "orderSheetInvoiceApplyDtos": dtos(box, "1")}, signed=False)
        self.assertEqual(status, 401)
        self.sb.fault("429", path_contains="orders/invoices")
        status, _, body = invoice(self.sb, dtos(box, "400000000003"))
        self.assertEqual(status, 429)
        # Refused requests (400, 401, 429) leave nothing; the per-box refusal is remembered.
        self.assertEqual([row["result"] for row in received(self.sb, COUPANG_VENDOR, "400000000003")],
                         ["NOT_FOUND_VENDOR_ITEM"])

    def test_update_invoices_corrects_a_registered_invoice_in_shipped_statuses(self):
        box = self.new_box()
        # Nothing registered yet: nothing to correct.
        _, _, body = update_invoice(self.sb, dtos(box, "400000000011"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "NOT_FOUND_INVOICE_NUMBER")
        _, _, body = invoice(self.sb, dtos(box, "400000000010"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "OK")
        # The same DTO validation as orders/invoices.
        status, _, body = update_invoice(self.sb, dtos(box, "400000000011", carrier="LOTTE"))
        self.assertEqual(status, 400, body)
        _, _, body = update_invoice(self.sb, dtos(box, "12ab"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "INVALID_INVOICE_NUMBER")
        status, _, body = update_invoice(self.sb, dtos(box, "400000000011", carrier="HANJIN"))
        entry = body["data"]["responseList"][0]
        self.assertEqual((status, body["data"]["responseCode"], entry["resultCode"], entry["succeed"]),
                         (200, 0, "OK", True), body)
        sheet = self.sheet(box)
        self.assertEqual((sheet["status"], sheet["invoiceNumber"], sheet["deliveryCompanyName"]),
                         ("DEPARTURE", "400000000011", "한진택배"))
        rows = received(self.sb, COUPANG_VENDOR, "400000000011")
        self.assertEqual({(row["call"], row["result"]) for row in rows if row["result"] == "OK"},
                         {("updateInvoices", "OK")})
        # Only in DEPARTURE, DELIVERING, FINAL_DELIVERY or NONE_TRACKING.
        self.sb.mutate(COUPANG_VENDOR, ids=[box["shipment_box_id"]], status="INSTRUCT")
        _, _, body = update_invoice(self.sb, dtos(box, "400000000012"))
        entry = body["data"]["responseList"][0]
        self.assertEqual((body["data"]["responseCode"], entry["resultCode"], entry["retryRequired"]),
                         (99, "INVALID_STATUS", False))
        self.sb.mutate(COUPANG_VENDOR, ids=[box["shipment_box_id"]], status="FINAL_DELIVERY")
        _, _, body = update_invoice(self.sb, dtos(box, "400000000012"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "OK")
        self.sb._control("POST", "cancel", {"account": COUPANG_VENDOR, "ids": [box["order_id"]]})
        _, _, body = update_invoice(self.sb, dtos(box, "400000000013"))
        self.assertEqual(body["data"]["responseList"][0]["resultCode"], "ORDER_DELIVERY_CANCELED")
        self.assertEqual(self.sheet(box)["invoiceNumber"], "400000000012")

    def test_cancel_between_collect_and_upload(self):
        box = self.new_box()
        self.sb._control("POST", "cancel", {"account": COUPANG_VENDOR, "ids": [box["order_id"]]})
        item = self.sheet(box)["orderItems"][0]
        self.assertEqual((item["canceled"], item["cancelCount"]), (True, item["shippingCount"]))
        _, _, body = invoice(self.sb, dtos(box, "400000000004"))
        entry = body["data"]["responseList"][0]
        self.assertEqual((entry["resultCode"], entry["retryRequired"]), ("ORDER_DELIVERY_CANCELED", False))
        status, _, body = self.sb.request_json("POST", "/__sandbox/cancel", "", {"Content-Type": "application/json"},
                                               {"account": COUPANG_VENDOR, "ids": ["1"]})
        self.assertEqual(status, 400, body)


class SmartstoreTrackingTest(SandboxCase):
    def setUp(self):
        super().setUp()
        stamp = str(int(time.time() * 1000))
        hashed = libcrypt_bcrypt(f"{SMARTSTORE_CLIENT_ID}_{stamp}", SMARTSTORE_CLIENT_SECRET)
        if hashed is None:
            self.skipTest("libcrypt bcrypt is not reachable through ctypes")
        fields = {"client_id": SMARTSTORE_CLIENT_ID, "timestamp": stamp,
                  "client_secret_sign": base64.b64encode(hashed.encode()).decode(),
                  "grant_type": "client_credentials", "type": "SELF"}
        status, _, body = self.sb.request_json("POST", "/external/v1/oauth2/token", "",
                                               {"Content-Type": "application/x-www-form-urlencoded"}, form(fields))
        self.assertEqual(status, 200, body)
        self.token = body["access_token"]

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"}
        return self.sb.request_json(method, NAVER + path, "", headers, body)

    def new_product_order(self):
        order = self.sb.add(SMARTSTORE_CLIENT_ID, 1)[0]
        self.assertEqual(order["status"], "PAYED")
        return order["order_id"], order["product_order_ids"][0]

    def detail(self, product_order_id):
        status, _, body = self.call("POST", "/product-orders/query", {"productOrderIds": [product_order_id]})
        self.assertEqual(status, 200, body)
        return body["data"][0]

    def dispatch(self, entries):
        return self.call("POST", "/product-orders/dispatch", {"dispatchProductOrders": entries})

    @staticmethod
    def entry(product_order_id, number, carrier="CJGLS", date=None):
        date = date or smartstore_time(datetime.datetime.now(datetime.timezone.utc), encoded=False)
        return {"productOrderId": product_order_id, "deliveryMethod": "DELIVERY", "deliveryCompanyCode": carrier,
                "trackingNumber": number, "dispatchDate": date}

    def fails(self, body):
        return {info["productOrderId"]: info["code"] for info in body["data"]["failProductOrderInfos"]}

    def test_dispatch_after_confirmation_then_delivering_once(self):
        _, po = self.new_product_order()
        _, _, body = self.dispatch([self.entry(po, "500000000001", "HYUNDAI")])
        self.assertEqual(self.fails(body), {po: "104443"})
        status, _, body = self.call("POST", "/product-orders/confirm", {"productOrderIds": [po]})
        self.assertEqual((status, body["data"]["successProductOrderIds"]), (200, [po]), body)
        self.assertEqual(self.detail(po)["productOrder"]["placeOrderStatus"], "OK")
        _, _, body = self.dispatch([self.entry(po, "500000000001", "HYUNDAI")])
        self.assertEqual((body["data"]["successProductOrderIds"], body["data"]["failProductOrderInfos"]), ([po], []))
        detail = self.detail(po)
        self.assertEqual(detail["productOrder"]["productOrderStatus"], "DELIVERING")
        self.assertEqual((detail["delivery"]["deliveryCompany"], detail["delivery"]["trackingNumber"]),
                         ("HYUNDAI", "500000000001"))
        _, _, body = self.dispatch([self.entry(po, "500000000001", "HYUNDAI")])
        self.assertEqual(self.fails(body), {po: "105306"})
        results = [row["result"] for row in received(self.sb, SMARTSTORE_CLIENT_ID, "500000000001")]
        self.assertEqual(results, ["104443", "OK", "105306"])

    def test_dispatch_codes_and_limits(self):
        _, po = self.new_product_order()
        self.call("POST", "/product-orders/confirm", {"productOrderIds": [po]})
        old = smartstore_time(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=40), encoded=False)
        for entry, code in [(self.entry(po, "500000000002", "LOTTE"), "104119"),
                            (self.entry(po, "", "CJGLS"), "104120"),
                            (self.entry(po, "5x", "CJGLS"), "104122"),
                            (self.entry(po, "500000000002", "CJGLS", date=old), "104105"),
                            (self.entry("2099000000000001", "500000000002"), "100001"),
                            ({**self.entry(po, "500000000002"), "deliveryCompanyCode": ""}, "104118")]:
            _, _, body = self.dispatch([entry])
            self.assertEqual(list(self.fails(body).values()), [code], entry)
        _, _, body = self.dispatch([self.entry(po, "500000000002"), self.entry(po, "500000000002")])
        self.assertEqual(body["data"]["successProductOrderIds"], [po])
        self.assertEqual(self.fails(body), {po: "104131"})
        status, _, body = self.dispatch([self.entry(po, "500000000002")] * 31)
        self.assertEqual((status, body["code"]), (400, "4000"))
        status, _, body = self.call("POST", "/product-orders/confirm", {"productOrderIds": [po] * 31})
        self.assertEqual((status, body["code"]), (400, "4000"))

    def test_number_used_for_another_receiver(self):
        _, first = self.new_product_order()
        _, second = self.new_product_order()
        self.call("POST", "/product-orders/confirm", {"productOrderIds": [first, second]})
        _, _, body = self.dispatch([self.entry(first, "500000000003")])
        self.assertEqual(body["data"]["successProductOrderIds"], [first])
        names = [self.detail(po)["productOrder"]["shippingAddress"] for po in (first, second)]
        _, _, body = self.dispatch([self.entry(second, "500000000003")])
        if (names[0]["name"], names[0]["baseAddress"]) != (names[1]["name"], names[1]["baseAddress"]):
            self.assertEqual(self.fails(body), {second: "104121"})

    def test_cancel_request_and_cancel_control(self):
        order_id, po = self.new_product_order()
        self.sb._control("POST", "cancel", {"account": SMARTSTORE_CLIENT_ID, "ids": [po], "request": True})
        product = self.detail(po)["productOrder"]
        self.assertEqual((product["claimType"], product["claimStatus"]), ("CANCEL", "CANCEL_REQUEST"))
        _, _, body = self.call("POST", "/product-orders/confirm", {"productOrderIds": [po]})
        self.assertEqual(self.fails(body), {po: "104442"})
        self.sb._control("POST", "cancel", {"account": SMARTSTORE_CLIENT_ID, "ids": [order_id]})
        self.assertEqual(self.detail(po)["productOrder"]["productOrderStatus"], "CANCELED")
        _, _, body = self.dispatch([self.entry(po, "500000000004")])
        self.assertEqual(self.fails(body), {po: "104442"})

    def test_product_order_ids_of_an_order(self):
        order_id, po = self.new_product_order()
        status, _, body = self.call("GET", f"/orders/{order_id}/product-order-ids")
        self.assertEqual((status, body["data"]), (200, [po]))
        status, _, body = self.call("GET", "/orders/2099000000000000/product-order-ids")
        self.assertEqual((status, body["code"]), (400, "100003"))
        status, _, body = self.sb.request_json("GET", NAVER + f"/orders/{order_id}/product-order-ids")
        self.assertEqual((status, body["code"]), (401, "GW.AUTHN"))


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
