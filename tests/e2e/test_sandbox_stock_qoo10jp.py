"""The sandbox enforces Qoo10 Japan's stock calls (qoo10jp.md §2.5): ItemsOrder.SetGoodsPriceQty for
items without options — an empty ExpireDate silently moves the sale end to a year from now, as
the contract's gotcha says — ItemsOptions.UpdateInventoryQtyUnit for options, and the item
look-ups uoms reads listings with (ItemsLookup.GetItemDetailInfo, GetGoodsInventoryInfo;
UNCONFIRMED). Every accepted change shows in /__sandbox/stock; the marketplace can sell on its own.

Run: UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_sandbox_stock_qoo10jp.py
Exits 77 (skip) when UOMS_SANDBOX_BIN is not set or does not exist.
"""

import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import JST, QOO10_USER_ID, Sandbox, default_config  # noqa: E402

SET_PRICE_QTY = "ItemsOrder.SetGoodsPriceQty"
OPTION_QTY = "ItemsOptions.UpdateInventoryQtyUnit"
ITEM_DETAIL = "ItemsLookup.GetItemDetailInfo"
INVENTORY = "ItemsLookup.GetGoodsInventoryInfo"


class Qoo10StockTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Sandbox(default_config(orders=20))
        cls.sb.start()
        cls.key = cls.sb.qoo10_key()

    @classmethod
    def tearDownClass(cls):
        cls.sb.stop()

    def setUp(self):
        self.sb.clear_faults()

    def call(self, method, key=None, **params):
        status, body = self.sb.qoo10_call(method, self.key if key is None else key, **params)
        self.assertEqual(status, 200, body)
        return body

    def stock(self):
        return self.sb._control("GET", "stock", query="kind=qoo10jp&account=" + QOO10_USER_ID)

    def listings(self):
        return self.stock()["listings"]

    def single(self):
        """A listing of an item without options, fresh from the book."""
        return next(entry for entry in self.listings() if entry["option"] == "")

    def optioned(self):
        return next(entry for entry in self.listings() if entry["option"] != "")

    def find(self, item, option=""):
        return next(entry for entry in self.listings() if entry["item"] == item and entry["option"] == option)

    def full_push(self, listing, qty):
        return self.call(SET_PRICE_QTY, ItemCode=listing["item"], SellerCode=listing["seller_code"],
                         Price=str(listing["price"]), Qty=str(qty), TaxRate="S", ExpireDate=listing["expire_date"])

    def test_listings_are_what_orders_carry(self):
        listings = self.listings()
        keys = {(entry["item"], entry["option"]) for entry in listings}
        self.assertEqual(len(keys), len(listings))
        with_options = {entry["item"] for entry in listings if entry["option"]}
        for order in self.sb.orders(QOO10_USER_ID):
            for item in order["items"]:
                option = item["sku"] if item["item_code"] in with_options else ""
                self.assertIn((item["item_code"], option), keys, item)
        for entry in listings:
            self.assertRegex(entry["expire_date"], r"^\d{4}-\d\d-\d\d$")
            self.assertGreater(entry["price"], 0)

    def test_item_detail_and_inventory(self):
        single = self.single()
        body = self.call(ITEM_DETAIL, ItemCode=single["item"])
        self.assertEqual(body["ResultCode"], 0, body)
        detail = body["ResultObject"][0]
        self.assertEqual((detail["ItemCode"], detail["SellerCode"], detail["ItemQty"], detail["ExpireDate"]),
                         (single["item"], single["seller_code"], single["stock"], single["expire_date"]))
        self.assertEqual(float(detail["ItemPrice"]), single["price"])
        self.assertEqual(self.call(INVENTORY, ItemCode=single["item"])["ResultObject"], [])
        option = self.optioned()
        rows = self.call(INVENTORY, ItemCode=option["item"])["ResultObject"]
        mine = [row for row in rows if row["ItemTypeCode"] == option["option"]]
        self.assertEqual(len(mine), 1, rows)
        self.assertEqual((mine[0]["Name1"], mine[0]["Value1"], mine[0]["Qty"]),
                         ("オプション", option["option_name"], option["stock"]))
        self.assertEqual(self.call(ITEM_DETAIL, ItemCode="1")["ResultCode"], -10001)
        self.assertEqual(self.call(ITEM_DETAIL, key="not-a-key", ItemCode=single["item"])["ResultCode"], -10000)

    def test_full_push_keeps_the_sale_end(self):
        listing = self.single()
        body = self.full_push(listing, 42)
        self.assertEqual(body, {"ResultCode": 0, "ResultMsg": "SUCCESS"})
        after = self.find(listing["item"])
        self.assertEqual((after["stock"], after["expire_date"], after["price"]), (42, listing["expire_date"], listing["price"]))
        write = self.stock()["writes"][-1]
        self.assertEqual((write["item"], write["before"], write["after"], write["call"]),
                         (listing["item"], listing["stock"], 42, "SetGoodsPriceQty"))

    def test_empty_expire_date_extends_the_sale_by_a_year(self):
        listing = self.single()
        before = (datetime.datetime.now(JST) + datetime.timedelta(days=365)).strftime("%Y-%m-%d")
        body = self.call(SET_PRICE_QTY, ItemCode=listing["item"], Price=str(listing["price"]), Qty="11", ExpireDate="")
        after_day = (datetime.datetime.now(JST) + datetime.timedelta(days=365)).strftime("%Y-%m-%d")
        self.assertEqual(body["ResultCode"], 0, body)  # accepted, silently
        after = self.find(listing["item"])
        self.assertEqual(after["stock"], 11)
        self.assertNotEqual(after["expire_date"], listing["expire_date"])
        self.assertIn(after["expire_date"], {before, after_day})
        self.assertEqual(self.stock()["writes"][-1]["call"], "SetGoodsPriceQty without ExpireDate")
        # Leaving the parameter out does the same.
        self.full_push(after | {"expire_date": listing["expire_date"]}, 11)
        self.call(SET_PRICE_QTY, ItemCode=listing["item"], Qty="12")
        self.assertIn(self.find(listing["item"])["expire_date"], {before, after_day})
        self.full_push(self.find(listing["item"]) | {"expire_date": listing["expire_date"]}, 12)
        self.assertEqual(self.find(listing["item"])["expire_date"], listing["expire_date"])

    def test_set_price_qty_refusals(self):
        listing = self.single()
        option = self.optioned()
        writes = len(self.stock()["writes"])
        base = {"ItemCode": listing["item"], "Price": str(listing["price"]), "ExpireDate": listing["expire_date"]}
        cases = [
            (dict(base, Qty="-1"), -10101),
            (dict(base, Qty="ten"), -10101),
            (dict(base, Qty="1", Price="0"), -10101),
            (dict(base, Qty="1", TaxRate="5"), -10101),
            (dict(base, Qty="1", ExpireDate="2030/12/31"), -10101),
            (dict(base, Qty="1", ExpireDate="2030-02-30"), -10101),
            (dict(base, Qty="1", ExpireDate="2020-01-01"), -10101),
            (dict(base, Qty="1", SellerCode="SOMEONE-ELSE"), -10001),
            (dict(base, Qty="1", ItemCode="1"), -10001),
            (dict(base, Qty="1", ItemCode=""), -10101),
            (dict(base, Qty="1", ItemCode=option["item"]), -10101),  # options change per option
        ]
        for params, code in cases:
            body = self.call(SET_PRICE_QTY, **params)
            self.assertEqual(body["ResultCode"], code, (params, body))
            self.assertTrue(body["ResultMsg"])
        self.assertEqual(self.call(SET_PRICE_QTY, key="", **dict(base, Qty="1"))["ResultCode"], -10000)
        self.assertEqual(len(self.stock()["writes"]), writes)
        self.assertEqual(self.find(listing["item"])["stock"], listing["stock"])

    def test_option_quantity(self):
        option = self.optioned()
        params = {"ItemCode": option["item"], "OptionName": "オプション", "OptionValue": option["option_name"],
                  "OptionCode": option["option"], "Qty": "8"}
        self.assertEqual(self.call(OPTION_QTY, **params), {"ResultCode": 0, "ResultMsg": "SUCCESS"})
        self.assertEqual(self.find(option["item"], option["option"])["stock"], 8)
        write = self.stock()["writes"][-1]
        self.assertEqual((write["option"], write["after"], write["call"]), (option["option"], 8, "UpdateInventoryQtyUnit"))
        single = self.single()
        cases = [
            (dict(params, OptionCode="NOPE"), -10001),
            (dict(params, OptionValue="紫"), -10001),
            (dict(params, SellerCode="SOMEONE-ELSE"), -10001),
            (dict(params, Qty="-3"), -10101),
            ({k: v for k, v in params.items() if k != "OptionName"}, -10101),
            (dict(params, ItemCode="1"), -10001),
            (dict(params, ItemCode=single["item"]), -10101),  # no options
        ]
        for case, code in cases:
            self.assertEqual(self.call(OPTION_QTY, **case)["ResultCode"], code, case)
        self.assertEqual(self.find(option["item"], option["option"])["stock"], 8)

    def test_throttled_through_the_fault_path(self):
        listing = self.single()
        self.sb.fault("429", path_contains=SET_PRICE_QTY, count=1)
        status, body = self.sb.qoo10_call(SET_PRICE_QTY, self.key, ItemCode=listing["item"], Qty="3",
                                          Price=str(listing["price"]), ExpireDate=listing["expire_date"])
        self.assertEqual((status, body["ResultCode"]), (429, -10101))
        self.assertEqual(self.find(listing["item"])["stock"], listing["stock"])

    def test_sell_lowers_stock(self):
        listing = self.single()
        self.full_push(listing, 30)
        sold = self.sb._control("POST", "stock", {"kind": "qoo10jp", "account": QOO10_USER_ID, "item": listing["item"],
                                                  "option": "", "sell": 4})
        self.assertEqual(sold["stock"], 26)
        detail = self.call(ITEM_DETAIL, ItemCode=listing["item"])["ResultObject"][0]
        self.assertEqual(detail["ItemQty"], 26)


if __name__ == "__main__":
    binary = os.environ.get("UOMS_SANDBOX_BIN", "")
    if not binary or not os.path.exists(binary):
        print(f"skipped: UOMS_SANDBOX_BIN is not set or missing ({binary!r})")
        sys.exit(77)
    unittest.main()
