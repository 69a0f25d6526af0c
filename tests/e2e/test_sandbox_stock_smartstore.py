"""The sandbox enforces the Smartstore stock contract (smartstore.md §1.6, errors §1.7): the
origin product read, PATCH multi-update for products without options, PUT option-stock whose
body replaces the option list (what an entry leaves out is reset, an option left out is
removed), the bearer token, the product APIs' error bodies and 429 GW.RATE_LIMIT.

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_stock_smartstore.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import base64
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import SMARTSTORE_CLIENT_ID, SMARTSTORE_CLIENT_SECRET, Sandbox, default_config  # noqa: E402
from test_sandbox import form, libcrypt_bcrypt  # noqa: E402

PRODUCTS = "/external/v1/products/origin-products"
ORIGIN = "/external/v2/products/origin-products/"
MULTI = PRODUCTS + "/multi-update"
QUERY = "/external/v1/pay-order/seller/product-orders/query"
ACCOUNT = SMARTSTORE_CLIENT_ID


class SmartstoreStockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=12))
        cls.sb.start()
        stamp = str(int(time.time() * 1000))
        hashed = libcrypt_bcrypt(f"{SMARTSTORE_CLIENT_ID}_{stamp}", SMARTSTORE_CLIENT_SECRET)
        if hashed is None:
            cls.sb.stop()
            raise unittest.SkipTest("libcrypt bcrypt is not reachable through ctypes")
        fields = {"client_id": SMARTSTORE_CLIENT_ID, "timestamp": stamp,
                  "client_secret_sign": base64.b64encode(hashed.encode()).decode(),
                  "grant_type": "client_credentials", "type": "SELF"}
        status, _, body = cls.sb.request_json("POST", "/external/v1/oauth2/token", "",
                                              {"Content-Type": "application/x-www-form-urlencoded"}, form(fields))
        assert status == 200, body
        cls.token = body["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    # --- helpers --------------------------------------------------------------------------

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token != "":
            headers["Authorization"] = "Bearer " + (token or self.token)
        return self.sb.request_json(method, path, "", headers, body)

    def book(self):
        return self.sb._control("GET", "stock", query="kind=smartstore&account=" + ACCOUNT)

    def listings(self):
        return self.book()["listings"]

    def products(self):
        """originProductNo -> its listings, in seed order."""
        out = {}
        for listing in self.listings():
            out.setdefault(listing["item"], []).append(listing)
        return out

    def listing(self, item, option):
        return next(row for row in self.listings() if row["item"] == item and row["option"] == option)

    def origin(self, item):
        status, _, body = self.call("GET", ORIGIN + item)
        self.assertEqual(status, 200, body)
        return body["originProduct"]

    def two_option_product(self, index):
        """The index-th product with at least two live options, as its listings."""
        found = [rows for rows in self.products().values()
                 if len([r for r in rows if r["option"] and r["status"] != "DELETED"]) >= 2]
        return found[index]

    def assert_product_error(self, status, body, http_status, code, name=None):
        self.assertEqual(status, http_status, body)
        self.assertEqual(body["code"], code, body)
        self.assertTrue(body["message"], body)
        self.assertIn("timestamp", body)
        if name is not None:
            self.assertIn(name, [entry["name"] for entry in body["invalidInputs"]], body)

    # --- the seed -------------------------------------------------------------------------

    def test_listings_are_the_pairs_the_orders_carry(self):
        ids = [po for order in self.sb.orders(ACCOUNT) for po in order["product_order_ids"]]
        status, _, body = self.call("POST", QUERY, {"productOrderIds": ids[:300]})
        self.assertEqual(status, 200, body)
        pairs = {(row["item"], row["option"]): row["seller_code"] for row in self.listings()}
        self.assertTrue(body["data"])
        for element in body["data"]:
            line = element["productOrder"]
            key = (line["originalProductId"], line["optionCode"])
            self.assertIn(key, pairs, line)
            self.assertEqual(pairs[key], line["optionManageCode"])
        # Every origin product is all options or none.
        for item, rows in self.products().items():
            self.assertTrue(all(r["option"] for r in rows) or len(rows) == 1 and not rows[0]["option"], rows)

    def test_origin_product_shows_stock_options_and_codes(self):
        for item, rows in self.products().items():
            origin = self.origin(item)
            self.assertEqual(origin["name"], rows[0]["name"])
            live = [r for r in rows if r["status"] != "DELETED"]
            if not rows[0]["option"]:
                self.assertNotIn("optionInfo", origin["detailAttribute"])
                self.assertEqual(origin["detailAttribute"]["sellerCodeInfo"]["sellerManagementCode"], rows[0]["seller_code"])
                self.assertEqual(origin["stockQuantity"], rows[0]["stock"])
                continue
            combos = origin["detailAttribute"]["optionInfo"]["optionCombinations"]
            self.assertEqual([str(c["id"]) for c in combos], [r["option"] for r in live])
            for combo, row in zip(combos, live):
                self.assertEqual((combo["stockQuantity"], combo["price"], combo["usable"], combo["sellerManagerCode"],
                                  combo["optionName1"]),
                                 (row["stock"], row["price"], row["usable"], row["seller_code"], row["option_name"]))
            self.assertEqual(origin["stockQuantity"], sum(r["stock"] for r in live if r["usable"]))

    # --- option-stock ---------------------------------------------------------------------

    def test_careful_option_push_changes_only_that_stock(self):
        rows = self.two_option_product(0)
        item = rows[0]["item"]
        combos = self.origin(item)["detailAttribute"]["optionInfo"]["optionCombinations"]
        body = {"optionInfo": {"optionCombinations": [
            {"id": c["id"], "stockQuantity": 7 if i == 0 else c["stockQuantity"], "price": c["price"], "usable": c["usable"]}
            for i, c in enumerate(combos)]}}
        before = len(self.book()["writes"])
        status, _, answer = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", body)
        self.assertEqual(status, 200, answer)
        first, second = self.listing(item, rows[0]["option"]), self.listing(item, rows[1]["option"])
        self.assertEqual((first["stock"], first["price"], first["usable"]), (7, rows[0]["price"], True))
        self.assertEqual((second["stock"], second["price"], second["usable"], second["status"]),
                         (rows[1]["stock"], rows[1]["price"], True, "SALE"))
        self.assertEqual(rows[1]["price"], 1000)  # a reset to 0 would show
        writes = self.book()["writes"][before:]
        self.assertIn({"item": item, "option": rows[0]["option"], "before": rows[0]["stock"], "after": 7,
                       "call": "option-stock"},
                      [{k: w[k] for k in ("item", "option", "before", "after", "call")} for w in writes])

    def test_careless_option_push_visibly_damages_the_listing(self):
        rows = self.two_option_product(1)
        item, kept, dropped = rows[0]["item"], rows[0]["option"], rows[1]["option"]
        status, _, answer = self.call("PUT", f"{PRODUCTS}/{item}/option-stock",
                                      {"optionInfo": {"optionCombinations": [{"id": int(kept), "stockQuantity": 5}]}})
        self.assertEqual(status, 200, answer)
        first, second = self.listing(item, kept), self.listing(item, dropped)
        self.assertEqual((first["stock"], first["price"], first["usable"]), (5, 0, False))
        self.assertEqual((second["stock"], second["usable"], second["status"]), (0, False, "DELETED"))
        combos = self.origin(item)["detailAttribute"]["optionInfo"]["optionCombinations"]
        self.assertEqual([str(c["id"]) for c in combos], [kept])
        status, _, answer = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", {"optionInfo": {"optionCombinations": [
            {"id": int(kept), "stockQuantity": 5, "price": 0, "usable": True},
            {"id": int(dropped), "stockQuantity": 5, "price": 1000, "usable": True}]}})
        self.assert_product_error(status, answer, 400, "BAD_REQUEST", "optionInfo.optionCombinations[1].id")

    def test_option_push_refusals_change_nothing(self):
        rows = self.two_option_product(0)
        item = rows[0]["item"]
        snapshot = self.products()[item]
        combos = self.origin(item)["detailAttribute"]["optionInfo"]["optionCombinations"]
        full = [{"id": c["id"], "stockQuantity": c["stockQuantity"], "price": c["price"], "usable": c["usable"]}
                for c in combos]

        negative = [dict(full[0], stockQuantity=-1)] + full[1:]
        status, _, body = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", {"optionInfo": {"optionCombinations": negative}})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "optionInfo.optionCombinations[0].stockQuantity")

        unknown = full + [{"id": 1, "stockQuantity": 1, "price": 0, "usable": True}]
        status, _, body = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", {"optionInfo": {"optionCombinations": unknown}})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", f"optionInfo.optionCombinations[{len(full)}].id")

        status, _, body = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", {"optionCombinations": full})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "optionInfo")

        status, _, body = self.call("PUT", f"{PRODUCTS}/1/option-stock", {"optionInfo": {"optionCombinations": full}})
        self.assert_product_error(status, body, 404, "NOT_FOUND")
        status, _, body = self.call("GET", ORIGIN + "1")
        self.assert_product_error(status, body, 404, "NOT_FOUND")

        status, _, body = self.call("PUT", f"{PRODUCTS}/{item}/option-stock", {"optionInfo": {"optionCombinations": full}},
                                    token="")
        self.assertEqual((status, body["code"]), (401, "GW.AUTHN"), body)
        status, _, body = self.call("GET", ORIGIN + item, token="not-a-token")
        self.assertEqual((status, body["code"]), (401, "GW.AUTHN"), body)

        self.assertEqual(self.products()[item], snapshot)

    # --- multi-update ---------------------------------------------------------------------

    def test_multi_update_refusals_name_each_bad_entry(self):
        rows = self.two_option_product(0)
        item = int(rows[0]["item"])
        snapshot = self.listings()

        def entry(no, quantity):
            return {"originProductNo": no, "multiUpdateTypes": ["STOCK"], "stockQuantity": quantity}

        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [entry(item, 5)]})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "multiProductUpdateRequestVos[0].stockQuantity")
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [entry(item, 5), entry(1, 5)]})
        names = [e["name"] for e in body["invalidInputs"]]
        self.assertEqual(names, ["multiProductUpdateRequestVos[0].stockQuantity",
                                 "multiProductUpdateRequestVos[1].originProductNo"])
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [entry(item, -3)]})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "multiProductUpdateRequestVos[0].stockQuantity")
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [
            {"originProductNo": item, "stockQuantity": 1}]})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "multiProductUpdateRequestVos[0].multiUpdateTypes")
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [entry(1, 1)] * 51})
        self.assert_product_error(status, body, 400, "BAD_REQUEST", "multiProductUpdateRequestVos")
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [entry(item, 5)]}, token="")
        self.assertEqual((status, body["code"]), (401, "GW.AUTHN"), body)
        status, _, body = self.call("POST", MULTI, {"multiProductUpdateRequestVos": [entry(item, 5)]})
        self.assertEqual((status, body["code"]), (404, "GW.NOT_FOUND"), body)
        self.assertEqual(self.listings(), snapshot)

    def test_multi_update_sets_a_product_without_options(self):
        plain = [rows[0] for rows in self.products().values() if not rows[0]["option"]]
        if not plain:
            # The default catalogue has none (see tests/sandbox/README.md, Smartstore stock).
            self.skipTest("no origin product without options in this catalogue")
        item = int(plain[0]["item"])
        status, _, body = self.call("PATCH", MULTI, {"multiProductUpdateRequestVos": [
            {"originProductNo": item, "multiUpdateTypes": ["STOCK"], "stockQuantity": 3}]})
        self.assertEqual((status, body["code"]), (200, "SUCCESS"), body)
        self.assertEqual(self.listing(str(item), "")["stock"], 3)
        self.assertEqual(self.origin(str(item))["stockQuantity"], 3)

    # --- the marketplace on its own, throttling -------------------------------------------

    def test_sell_lowers_stock(self):
        rows = self.two_option_product(0)
        item, option = rows[0]["item"], rows[0]["option"]
        before = self.listing(item, option)["stock"]
        self.sb._control("POST", "stock", {"kind": "smartstore", "account": ACCOUNT, "item": item, "option": option,
                                           "sell": 2})
        self.assertEqual(self.listing(item, option)["stock"], max(0, before - 2))
        combos = self.origin(item)["detailAttribute"]["optionInfo"]["optionCombinations"]
        self.assertEqual(next(c["stockQuantity"] for c in combos if str(c["id"]) == option), max(0, before - 2))

    def test_rate_limit_answers_gw_rate_limit(self):
        rows = self.two_option_product(0)
        self.sb.fault("429", path_contains="/option-stock")
        status, headers, body = self.call("PUT", f"{PRODUCTS}/{rows[0]['item']}/option-stock",
                                          {"optionInfo": {"optionCombinations": []}})
        self.assertEqual((status, body["code"]), (429, "GW.RATE_LIMIT"), body)
        self.assertIn("GNCP-GW-RateLimit-Remaining", headers)


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN")
    if not binary or not os.path.exists(binary):
        print("skip: UOMS_SANDBOX_BIN is not set or does not exist")
        sys.exit(77)
    unittest.main()
