"""The sandbox's Shopee catalogue and stock routes enforce shopee.md §1.9 over real HTTP:
get_item_list paging, get_model_list (seller_stock, reserved stock), update_stock (one item,
1..50 models, seller_stock only, stock not below the reserved stock, per-model success_list /
failure_list with error_busi_update_stock_failed), signing and token checks, faults, and the
stock memory (GET/POST /__sandbox/stock).

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_stock_shopee.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import SHOPEE_SHOP_ID, Sandbox, account_config, default_config, shopee_query  # noqa: E402

SHOP = str(SHOPEE_SHOP_ID)
ITEM_LIST = "/api/v2/product/get_item_list"
MODEL_LIST = "/api/v2/product/get_model_list"
UPDATE = "/api/v2/product/update_stock"
RESERVED = "Total stock must be more than reserved stock."


class ShopeeStockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=40)).start()
        status, body = cls.sb.shopee_refresh()
        assert status == 200, body
        cls.token = body["access_token"]

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    # --- helpers ---------------------------------------------------------------------------

    def book(self):
        status, _, body = self.sb.request_json("GET", "/__sandbox/stock", f"kind=shopee&account={SHOP}")
        self.assertEqual(status, 200, body)
        return body

    def listing(self, sku):
        return next(entry for entry in self.book()["listings"] if entry["seller_code"] == sku)

    def writes(self, item):
        return [w for w in self.book()["writes"] if w["item"] == item]

    def update(self, body, token=None, **query):
        status, _, answer = self.sb.request_json("POST", UPDATE, shopee_query(UPDATE, token or self.token, **query),
                                                 {"Content-Type": "application/json"}, body)
        return status, answer

    def entry(self, model, stock, **extra):
        seller = {"stock": stock}
        seller.update(extra)
        return {"model_id": int(model), "seller_stock": [seller]}

    def models(self, item):
        status, body = self.sb.shopee_get(MODEL_LIST, self.token, item_id=item)
        self.assertEqual(status, 200, body)
        return {str(m["model_id"]): m for m in body["response"]["model"]}

    def assert_refused(self, answer, code, message=None, status=400):
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"], code, body)
        self.assertIn("request_id", body)
        if message is not None:
            self.assertIn(message, body["message"])

    # --- the seed ----------------------------------------------------------------------------

    def test_listings_carry_the_ids_the_orders_carry(self):
        listings = {(entry["item"], entry["option"]): entry for entry in self.book()["listings"]}
        self.assertEqual(len(listings), 12)
        items = [item for order in self.sb.orders(SHOP) for item in order["items"]]
        self.assertTrue(items)
        for item in items:
            listing = listings.get((item["item_id"], item["model_id"]))
            self.assertIsNotNone(listing, item)
            self.assertEqual(listing["seller_code"], item["sku"])
        rice = self.listing("SKU-RICE-5")
        self.assertEqual(rice["option"], "0")  # an item without variations is model_id 0
        self.assertEqual(self.listing("SKU-EAR-BK")["reserved"], 2)
        self.assertEqual(self.listing("SKU-EAR-WH")["reserved"], 0)

    # --- catalogue ---------------------------------------------------------------------------

    def test_item_list_pages_by_offset(self):
        expected = sorted({int(entry["item"]) for entry in self.book()["listings"]})
        seen, offset, pages = [], 0, 0
        while True:
            status, body = self.sb.shopee_get(ITEM_LIST, self.token, offset=offset, page_size=3, item_status="NORMAL")
            self.assertEqual(status, 200, body)
            response = body["response"]
            self.assertEqual(response["total_count"], len(expected))
            seen += [item["item_id"] for item in response["item"]]
            self.assertTrue(all(item["item_status"] == "NORMAL" for item in response["item"]))
            pages += 1
            if not response["has_next_page"]:
                break
            offset = response["next_offset"]
        self.assertEqual(seen, expected)
        self.assertEqual(pages, (len(expected) + 2) // 3)
        # Repeated item_status keys; another status lists nothing here.
        query = shopee_query(ITEM_LIST, self.token, offset=0, page_size=100) + "&item_status=UNLIST&item_status=NORMAL"
        status, _, body = self.sb.request_json("GET", ITEM_LIST, query)
        self.assertEqual((status, len(body["response"]["item"])), (200, len(expected)))
        status, body = self.sb.shopee_get(ITEM_LIST, self.token, offset=0, page_size=10, item_status="BANNED")
        self.assertEqual((status, body["response"]["item"], body["response"]["has_next_page"]), (200, [], False))

    def test_item_list_refusals(self):
        get = lambda **q: self.sb.shopee_get(ITEM_LIST, self.token, **q)  # noqa: E731
        self.assert_refused(get(page_size=10, item_status="NORMAL"), "error_param", "offset is required")
        self.assert_refused(get(offset=0, item_status="NORMAL"), "error_param", "page_size is required")
        self.assert_refused(get(offset=0, page_size=101, item_status="NORMAL"), "error_param", "between 1 and 100")
        self.assert_refused(get(offset=0, page_size=0, item_status="NORMAL"), "error_param", "between 1 and 100")
        self.assert_refused(get(offset=0, page_size=10), "error_param", "item_status is required")
        self.assert_refused(get(offset=0, page_size=10, item_status="NORMAL,UNLIST"), "error_param", "is invalid")

    def test_model_list_reports_seller_stock_and_reserved_stock(self):
        black = self.listing("SKU-EAR-BK")
        status, body = self.sb.shopee_get(MODEL_LIST, self.token, item_id=black["item"])
        self.assertEqual(status, 200, body)
        response = body["response"]
        self.assertEqual([o["option"] for o in response["tier_variation"][0]["option_list"]], ["화이트", "블랙"])
        models = {str(m["model_id"]): m for m in response["model"]}
        self.assertEqual(set(models), {self.listing("SKU-EAR-WH")["option"], black["option"]})
        model = models[black["option"]]
        self.assertEqual(model["model_sku"], "SKU-EAR-BK")
        self.assertEqual(model["tier_index"], [1])
        info = model["stock_info_v2"]
        self.assertEqual([s["stock"] for s in info["seller_stock"]], [black["stock"]])
        self.assertNotIn("location_id", info["seller_stock"][0])
        self.assertEqual(info["summary_info"]["total_reserved_stock"], 2)
        self.assertEqual(info["summary_info"]["total_available_stock"], black["stock"] - 2)
        # An item without variations: one model, model_id 0, with the item's SKU.
        rice = self.listing("SKU-RICE-5")
        status, body = self.sb.shopee_get(MODEL_LIST, self.token, item_id=rice["item"])
        self.assertEqual(body["response"]["tier_variation"], [])
        self.assertEqual([(m["model_id"], m["model_sku"]) for m in body["response"]["model"]], [(0, "SKU-RICE-5")])
        self.assert_refused(self.sb.shopee_get(MODEL_LIST, self.token, item_id=1), "error_item_not_found")
        self.assert_refused(self.sb.shopee_get(MODEL_LIST, self.token), "error_param", "item_id is required")

    # --- update_stock ------------------------------------------------------------------------

    def test_update_is_applied_and_remembered(self):
        white, black = self.listing("SKU-TS-NV-L"), self.listing("SKU-TS-WH-M")
        self.assertEqual(white["item"], black["item"])
        item = white["item"]
        status, body = self.update({"item_id": int(item),
                                    "stock_list": [self.entry(white["option"], 17), self.entry(black["option"], 5)]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["error"], "")
        self.assertEqual(body["response"]["failure_list"], [])
        self.assertEqual(sorted((s["model_id"], s["stock"]) for s in body["response"]["success_list"]),
                         sorted([(int(white["option"]), 17), (int(black["option"]), 5)]))
        self.assertEqual(self.listing("SKU-TS-NV-L")["stock"], 17)
        self.assertEqual(self.listing("SKU-TS-WH-M")["stock"], 5)
        writes = self.writes(item)
        self.assertEqual([(w["option"], w["before"], w["after"], w["call"]) for w in writes],
                         [(white["option"], white["stock"], 17, "update_stock"),
                          (black["option"], black["stock"], 5, "update_stock")])
        self.assertTrue(all(w["at"].endswith("Z") and w["account"] == SHOP for w in writes))
        models = self.models(item)
        self.assertEqual(models[white["option"]]["stock_info_v2"]["seller_stock"][0]["stock"], 17)

    def test_item_without_models_is_model_id_zero(self):
        rice = self.listing("SKU-RICE-5")
        status, body = self.update({"item_id": int(rice["item"]), "stock_list": [self.entry(0, 33)]})
        self.assertEqual((status, body["error"]), (200, ""), body)
        self.assertEqual(self.listing("SKU-RICE-5")["stock"], 33)
        # model_id may be left out: it defaults to 0 (§1.9).
        status, body = self.update({"item_id": int(rice["item"]), "stock_list": [{"seller_stock": [{"stock": 34}]}]})
        self.assertEqual((status, body["error"]), (200, ""), body)
        self.assertEqual(self.listing("SKU-RICE-5")["stock"], 34)

    def test_stock_below_reserved_fails_that_model_only(self):
        white, black = self.listing("SKU-EAR-WH"), self.listing("SKU-EAR-BK")
        item = white["item"]
        before = len(self.writes(item))
        status, body = self.update({"item_id": int(item),
                                    "stock_list": [self.entry(white["option"], 9), self.entry(black["option"], 1)]})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["error"], "error_busi_update_stock_failed")
        self.assertIn("check failure_list", body["message"])
        self.assertEqual(body["response"]["failure_list"],
                         [{"model_id": int(black["option"]), "failed_reason": RESERVED}])
        self.assertEqual([s["model_id"] for s in body["response"]["success_list"]], [int(white["option"])])
        self.assertEqual(self.listing("SKU-EAR-WH")["stock"], 9)
        self.assertEqual(self.listing("SKU-EAR-BK")["stock"], black["stock"])
        self.assertEqual([w["option"] for w in self.writes(item)[before:]], [white["option"]])
        # Equal to the reserved stock is allowed.
        status, body = self.update({"item_id": int(item), "stock_list": [self.entry(black["option"], 2)]})
        self.assertEqual((status, body["error"]), (200, ""), body)
        self.assertEqual(self.listing("SKU-EAR-BK")["stock"], 2)

    def test_unknown_model_is_a_failure_of_that_model(self):
        white = self.listing("SKU-TUM-SV")
        status, body = self.update({"item_id": int(white["item"]), "stock_list": [self.entry(123, 1)]})
        self.assertEqual((status, body["error"]), (200, "error_busi_update_stock_failed"), body)
        self.assertEqual([f["model_id"] for f in body["response"]["failure_list"]], [123])
        self.assertEqual(body["response"]["success_list"], [])

    def test_refusals_apply_nothing(self):
        white = self.listing("SKU-CHAIR-KH")
        item, option = int(white["item"]), white["option"]
        good = self.entry(option, 3)
        self.assert_refused(self.update({"item_id": 1, "stock_list": [good]}), "error_item_not_found")
        self.assert_refused(self.update({"stock_list": [good]}), "error_param", "item_id is required")
        self.assert_refused(self.update({"item_id": str(item), "stock_list": [good]}), "error_param", "item_id")
        self.assert_refused(self.update({"item_id": item, "stock_list": []}), "error_param", "1 to 50")
        self.assert_refused(self.update({"item_id": item, "stock_list": [self.entry(i, 1) for i in range(51)]}),
                            "error_param", "1 to 50")
        self.assert_refused(self.update({"item_id": item, "stock_list": [{"model_id": int(option), "normal_stock": 3}]}),
                            "error_param", "normal_stock")
        self.assert_refused(self.update({"item_id": item, "stock_list": [self.entry(option, 3, location_id="SGZ")]}),
                            "error_busi", "location_id")
        self.assert_refused(self.update({"item_id": item, "stock_list": [self.entry(option, -1)]}),
                            "error_param", "0 or more")
        self.assert_refused(self.update({"item_id": item, "stock_list": [good, self.entry(option, 4)]}),
                            "error_param", "repeated")
        self.assert_refused(self.update({"item_id": item, "stock_list": [{"model_id": int(option), "seller_stock": []}]}),
                            "error_param", "seller_stock")
        status, _, body = self.sb.request_json("POST", UPDATE, shopee_query(UPDATE, self.token), {},
                                               '{"item_id": 1}')
        self.assertEqual((status, body["error"]), (400, "error_param"))
        self.assertEqual(self.listing("SKU-CHAIR-KH")["stock"], white["stock"])
        self.assertEqual(self.writes(white["item"]), [])

    def test_calls_are_signed_and_token_checked(self):
        white = self.listing("SKU-HC-SET")
        body = {"item_id": int(white["item"]), "stock_list": [self.entry(white["option"], 1)]}
        self.assert_refused(self.update(body, token="not-a-token"), "error_auth", status=403)
        query = shopee_query(UPDATE, self.token).replace("sign=", "sign=0")
        status, _, answer = self.sb.request_json("POST", UPDATE, query, {"Content-Type": "application/json"}, body)
        self.assertEqual((status, answer["error"]), (403, "error_sign"))
        self.assertEqual(self.sb.shopee_get(UPDATE, self.token)[0], 404)  # GET on a POST path
        status, _, answer = self.sb.request_json("POST", ITEM_LIST, shopee_query(ITEM_LIST, self.token),
                                                 {"Content-Type": "application/json"}, {})
        self.assertEqual(status, 404)
        self.assert_refused(self.sb.shopee_get(MODEL_LIST, "not-a-token", item_id=white["item"]), "error_auth",
                            status=403)
        self.assertEqual(self.listing("SKU-HC-SET")["stock"], white["stock"])

    def test_faults_reach_the_stock_routes(self):
        white = self.listing("SKU-TTEOK-2")
        body = {"item_id": int(white["item"]), "stock_list": [self.entry(white["option"], 8)]}
        self.sb.fault("429", path_contains="/product/update_stock")
        self.assert_refused(self.update(body), "error_rate_limit", status=429)
        self.sb.fault("503", path_contains="/product/get_model_list")
        self.assert_refused(self.sb.shopee_get(MODEL_LIST, self.token, item_id=white["item"]), "error_server",
                            status=503)
        self.assertEqual(self.writes(white["item"]), [])
        self.assertEqual(self.update(body)[0], 200)
        self.assertEqual(self.listing("SKU-TTEOK-2")["stock"], 8)

    def test_sell_lowers_stock(self):
        charger = self.listing("SKU-CHG-65")
        status, _, body = self.sb.request_json("POST", "/__sandbox/stock", "", {"Content-Type": "application/json"},
                                               {"kind": "shopee", "account": SHOP, "item": charger["item"],
                                                "option": "0", "sell": 3})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["stock"], charger["stock"] - 3)
        model = self.models(charger["item"])["0"]
        self.assertEqual(model["stock_info_v2"]["seller_stock"][0]["stock"], charger["stock"] - 3)
        self.assertEqual(self.writes(charger["item"]), [])  # a sale is not a write uoms made


class TwoShopsTest(unittest.TestCase):
    """An item of another shop of the same partner is refused as not the shop's (§1.9)."""

    def test_another_shops_item_does_not_belong(self):
        config = default_config(orders=5)
        second = dict(account_config(config, "shopee"), shop_id=SHOPEE_SHOP_ID + 1,
                      refresh_token="sandbox-second-shop-refresh-0001")
        config["accounts"].append(second)
        with Sandbox(config) as sb:
            status, body = sb.shopee_refresh()
            self.assertEqual(status, 200, body)
            token = body["access_token"]
            status, _, book = sb.request_json("GET", "/__sandbox/stock", f"kind=shopee&account={SHOPEE_SHOP_ID + 1}")
            other = book["listings"][0]
            mine = {entry["item"] for entry in sb.request_json("GET", "/__sandbox/stock",
                                                               f"kind=shopee&account={SHOP}")[2]["listings"]}
            self.assertNotIn(other["item"], mine)
            status, _, answer = sb.request_json(
                "POST", UPDATE, shopee_query(UPDATE, token), {"Content-Type": "application/json"},
                {"item_id": int(other["item"]), "stock_list": [{"model_id": int(other["option"]),
                                                                 "seller_stock": [{"stock": 1}]}]})
            self.assertEqual((status, answer["error"]), (400, "error_item_not_belong_shop"), answer)
            status, answer = sb.shopee_get(MODEL_LIST, token, item_id=other["item"])
            self.assertEqual((status, answer["error"]), (400, "error_item_not_belong_shop"), answer)


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
