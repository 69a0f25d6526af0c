"""The sandbox enforces Coupang's stock change (coupang.md §2.5): PUT
/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/{vendorItemId}/quantities/{quantity},
no body, the CEA signature of §2.2, answers {"code":"SUCCESS"|"ERROR","message"}; every accepted
change shows in /__sandbox/stock, and the marketplace can sell on its own.

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_stock_coupang.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import COUPANG_VENDOR, Sandbox, coupang_authorization, default_config  # noqa: E402

QUANTITIES = "/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/{}/quantities/{}"


class CoupangStockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=20))
        cls.sb.start()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def put(self, vendor_item, quantity, method="PUT", body=None, sign_path=None, secret=None):
        path = QUANTITIES.format(vendor_item, quantity)
        headers = {}
        if secret is not False:
            kwargs = {"secret_key": secret} if secret else {}
            headers["Authorization"] = coupang_authorization(method, sign_path or path, "", **kwargs)
        if body is not None:
            headers["Content-Type"] = "application/json;charset=UTF-8"
        return self.sb.request_json(method, path, "", headers, body)

    def stock(self):
        return self.sb._control("GET", "stock", query="kind=coupang&account=" + COUPANG_VENDOR)

    def listing(self, vendor_item=None):
        listings = self.stock()["listings"]
        if vendor_item is None:
            return listings[0]
        return next(entry for entry in listings if entry["option"] == str(vendor_item))

    def test_listings_are_what_orders_carry(self):
        listings = self.stock()["listings"]
        by_option = {entry["option"]: entry for entry in listings}
        self.assertEqual(len(by_option), len(listings))
        orders = self.sb.orders(COUPANG_VENDOR)
        self.assertTrue(orders)
        for order in orders:
            for item in order["items"]:
                entry = by_option.get(item["vendor_item_id"])
                self.assertIsNotNone(entry, item)
                self.assertEqual(entry["seller_code"], item["sku"])
                self.assertEqual(entry["kind"], "coupang")
                self.assertTrue(entry["item"].isdigit())

    def test_good_push_changes_the_listing_and_is_logged(self):
        target = self.listing()
        status, _, body = self.put(target["option"], 37)
        self.assertEqual((status, body), (200, {"code": "SUCCESS", "message": "재고 변경을 완료했습니다."}))
        self.assertEqual(self.listing(target["option"])["stock"], 37)
        write = self.stock()["writes"][-1]
        self.assertEqual((write["item"], write["option"], write["before"], write["after"], write["call"]),
                         (target["item"], target["option"], target["stock"], 37, "PUT quantities"))
        status, _, body = self.put(target["option"], 0)
        self.assertEqual((status, body["code"]), (200, "SUCCESS"))
        self.assertEqual(self.listing(target["option"])["stock"], 0)

    def test_invalid_quantities_are_refused(self):
        target = self.listing()
        writes = len(self.stock()["writes"])
        for quantity in ("-1", "abc", "1.5", "1000000", "99999999999"):
            status, _, body = self.put(target["option"], quantity)
            self.assertEqual((status, body), (400, {"code": "ERROR", "message": "유효하지 않은 재고수량입니다."}), quantity)
        self.assertEqual(self.listing(target["option"])["stock"], target["stock"])
        self.assertEqual(len(self.stock()["writes"]), writes)

    def test_unknown_vendor_item_is_refused(self):
        status, _, body = self.put("1", 5)
        self.assertEqual((status, body["code"]), (400, "ERROR"), body)
        self.assertIn("vendorItemId 1", body["message"])
        status, _, body = self.put("abc", 5)
        self.assertEqual((status, body["code"]), (400, "ERROR"), body)

    def test_wrong_method_and_a_body_are_refused(self):
        target = self.listing()
        for method in ("GET", "POST", "PATCH", "DELETE"):
            status, _, body = self.put(target["option"], 5, method=method)
            self.assertEqual((status, body["code"]), (405, "ERROR"), method)
        status, _, body = self.put(target["option"], 5, body={"quantity": 5})
        self.assertEqual((status, body["code"]), (400, "ERROR"), body)
        self.assertEqual(self.listing(target["option"])["stock"], target["stock"])

    def test_bad_signatures_are_refused(self):
        target = self.listing()
        status, _, body = self.put(target["option"], 5, secret=False)
        self.assertEqual((status, body["code"]), (401, "ERROR"))
        status, _, body = self.put(target["option"], 5, secret="0" * 40)
        self.assertEqual((status, body), (401, {"code": "ERROR", "message": "Invalid signature."}))
        # Signed for another quantity: the path is part of the message.
        status, _, body = self.put(target["option"], 5, sign_path=QUANTITIES.format(target["option"], 6))
        self.assertEqual((status, body["message"]), (401, "Invalid signature."))
        self.assertEqual(self.listing(target["option"])["stock"], target["stock"])

    def test_throttled_through_the_fault_path(self):
        target = self.listing()
        self.sb.fault("429", path_contains="/quantities/", count=1)
        status, headers, body = self.put(target["option"], 9)
        self.assertEqual((status, body["code"]), (429, "ERROR"))
        self.assertEqual(headers.get("Retry-After"), "1")
        self.assertEqual(self.listing(target["option"])["stock"], target["stock"])
        status, _, body = self.put(target["option"], 9)
        self.assertEqual((status, body["code"]), (200, "SUCCESS"))

    def test_sell_lowers_stock(self):
        target = self.listing()
        self.put(target["option"], 20)
        sold = self.sb._control("POST", "stock", {"kind": "coupang", "account": COUPANG_VENDOR, "item": target["item"],
                                                  "option": target["option"], "sell": 3})
        self.assertEqual(sold["stock"], 17)
        self.assertEqual(self.listing(target["option"])["stock"], 17)


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
