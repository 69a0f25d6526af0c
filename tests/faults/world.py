"""One uoms home with a channel of every kind against one sandbox, and the checks that compare
what uoms stored and sent with the sandbox's truth. The crash, race and matrix scenarios
(run.py) drive a World and add what its checks find to a Figures tally.

Built on the end-to-end helpers (tests/e2e/uoms_e2e.py for the scrubbed workspace,
tests/e2e/sandbox.py for the sandbox and its control API); standard library only.
"""

import collections
import json
import os
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import sandbox  # noqa: E402
import uoms_e2e  # noqa: E402

SHOP = str(sandbox.SHOPEE_SHOP_ID)

# channel name → (kind, sandbox account id)
HTTP_CHANNELS = {
    "cp": ("coupang", sandbox.COUPANG_VENDOR),
    "ss": ("smartstore", sandbox.SMARTSTORE_CLIENT_ID),
    "sp": ("shopee", SHOP),
    "q10": ("qoo10jp", sandbox.QOO10_USER_ID),
    "pa": ("playauto", sandbox.PLAYAUTO_EMAIL),
}
CSV_CHANNEL = "csv"
# Pass kinds each channel takes part in for real (the others complete with a note).
UPLOAD_CHANNELS = ("cp", "ss", "sp", "q10", "pa")
STOCK_CHANNELS = ("cp", "ss", "sp", "q10")
# The id `tracking import` takes for an order, as the sandbox's truth names it.
ORDER_KEY = {"coupang": "order_id", "smartstore": "order_id", "shopee": "order_sn", "qoo10jp": "pack_no",
             "playauto": "bundle_no"}
CARRIER = {"coupang": "CJ", "smartstore": "CJ", "shopee": "CJ", "qoo10jp": "YAMATO", "playauto": "CJ"}
# Kinds whose buyer can cancel between collect and upload in a way uoms can see before sending
# (a cancelled Qoo10 line just leaves every status of its order call: qoo10jp.md §2.3).
CANCELLABLE = ("cp", "ss", "sp", "pa")
# The sandbox endpoint that takes one shipment's number per call (its request count is exact).
SINGLE_WRITE_ENDPOINT = {"sp": "shopee.ship_order", "q10": "qoo10jp.set_sending_info"}

SKUS = ["SKU-EAR-WH", "SKU-EAR-BK", "SKU-RICE-5", "SKU-TUM-SV", "SKU-TS-NV-L", "SKU-TS-WH-M", "SKU-DET-3L",
        "SKU-TAN-3", "SKU-CHG-65", "SKU-CHAIR-KH", "SKU-HC-SET", "SKU-TTEOK-2"]
SECRETS = [sandbox.COUPANG_ACCESS_KEY, sandbox.COUPANG_SECRET_KEY, sandbox.SMARTSTORE_CLIENT_SECRET,
           sandbox.SHOPEE_PARTNER_KEY, sandbox.SHOPEE_REFRESH_TOKEN, sandbox.QOO10_API_KEY, sandbox.QOO10_PASSWORD,
           sandbox.PLAYAUTO_API_KEY, sandbox.PLAYAUTO_PASSWORD]

# Figures, in the order the table prints them; every one but the first two must stay 0.
INFO_FIGURES = ("runs", "killed mid-pass")
BAD_FIGURES = ("orders lost", "orders duplicated", "items lost or duplicated", "numbers double-sent",
               "numbers not delivered", "numbers for cancelled orders", "stock pushes wrong", "jobs left running",
               "integrity_check not ok", "secrets leaked", "unexpected exit codes", "unknown status without a note")


class Failure(Exception):
    """A command that hung or was killed by a signal nobody sent: the scenario cannot go on."""


class _Reporter:
    """What uoms_e2e.Workspace calls on a hung or crashed command."""

    def fail(self, message):
        raise Failure(message)


class Figures:
    """A tally of figures, plus a line of evidence for each bad one. A problem the checks find
    again in a later round (they compare everything each time) is counted once, by its key."""

    def __init__(self):
        self.counts = collections.Counter()
        self.evidence = []
        self.seen = set()

    def add(self, name, n=1, why="", key=None):
        assert name in INFO_FIGURES or name in BAD_FIGURES, name
        if key is not None:
            if (name, key) in self.seen:
                return
            self.seen.add((name, key))
        if n:
            self.counts[name] += n
            if name in BAD_FIGURES:
                self.evidence.append(f"{name} +{n}: {why}")

    def bad(self):
        return sum(self.counts[name] for name in BAD_FIGURES)


def csv_rows(first, count):
    """`count` orders of one item each, ids CSV-<first>… (uoms's own column names)."""
    return "".join(f"CSV-{n:06d},1,2026-11-22 09:00:00,1,1000\n" for n in range(first, first + count))


CSV_HEADER = "order_id,item_id,ordered_at,quantity,unit_price\n"


class World:
    """A sandbox and a uoms home with channels cp, ss, sp, q10, pa and csv, collected once,
    products imported and listings fetched, so every pass kind has work to do.

    Enough seeded orders that the first collect names every catalogue item: Qoo10 pushes an
    option's stock by the option's name, which only `listings fetch` reads, so a listing that a
    later collect learns makes the sync-stock racing it fail that listing ("run listings fetch
    first", exit 3) until the next fetch. That is uoms's documented behaviour, not what the
    suite looks for."""

    def __init__(self, rng, orders=40, latency_ms=0, http_timeout="3s"):
        self.rng = rng
        self.sb = sandbox.Sandbox(sandbox.default_config(orders=orders, spread_hours=24, latency_ms=latency_ms),
                                  binary=uoms_e2e.sandbox_bin())
        self.w = uoms_e2e.Workspace(_Reporter())
        self.w.env.update({"UOMS_CONFIG": self.w.config, "UOMS_SETTLE_DELAY": "0s", "UOMS_MAX_ATTEMPTS": "3",
                           "UOMS_HTTP_TIMEOUT": http_timeout, "UOMS_CONNECT_TIMEOUT": "2s"})
        self.outputs = []  # every stdout and stderr uoms wrote, for the secret scan
        self.numbers = {}  # (channel, order key) → tracking number imported
        self.cancelled = set()  # (channel, order key) cancelled by the buyer after collect
        self.csv_orders = 0
        self.csv_dir = self.w.path("csv-orders")
        self.serial = 0
        # Shopee and Qoo10 write calls counted before a reset of the sandbox's stats.
        self.write_calls_before_reset = collections.Counter()
        self.extra_calls = collections.Counter()  # Shopee and Qoo10 write calls beyond the accepted, reported
        self.sb.start()

    def close(self):
        self.sb.stop()
        self.w.cleanup()

    # --- running uoms ------------------------------------------------------------------------

    def uoms(self, *args, stdin=None):
        """(exit code, stdout, stderr) of `uoms ARGS`; outputs are kept for the secret scan."""
        code, out, err = self.w.run(list(args), input=stdin, timeout=300)
        self.outputs.append(out + err)
        return code, out, err

    def ok(self, *args, stdin=None):
        code, out, err = self.uoms(*args, stdin=stdin)
        if code != 0:
            raise Failure(f"uoms {' '.join(args)} exited {code}\nstdout:\n{out}\nstderr:\n{err}")
        return out

    def start(self, *args):
        """A pass in the background: (Popen, path of its output file)."""
        self.serial += 1
        path = self.w.path(f"out-{self.serial}.txt")
        with open(path, "wb") as out:
            p = subprocess.Popen([self.w.bin, *args], env=self.w.env, cwd=self.w.dir, stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return p, path

    def finished(self, path):
        """Keeps the output of a background pass for the secret scan, and returns it."""
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.outputs.append(text)
        os.unlink(path)
        return text

    def pass_args(self, kind, retries=0):
        """The arguments of one pass of `kind` ("collect", "upload-tracking", "sync-stock");
        `retries` within the pass for the write-backs."""
        if kind == "collect":
            return ["-v", "--json", "collect"]
        return ["-v", "--json", kind, "--retries", str(retries)]

    # --- set-up --------------------------------------------------------------------------------

    def setup(self):
        self.ok("init", "--dir", self.w.dir, "--quiet")
        base = self.sb.base_url
        fast = ["--set", "rate_limit=50"]  # the sandbox has no limit; the kinds' defaults are 1-5/s
        self.ok("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={base}", *fast,
                "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        self.ok("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={base}", *fast,
                "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret",
                stdin=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        self.ok("channels", "add", "sp", "--kind", "shopee", "--set", f"base_url={base}", *fast,
                "--set", f"partner_id={sandbox.SHOPEE_PARTNER_ID}", "--set", f"shop_id={sandbox.SHOPEE_SHOP_ID}",
                "--secret", f"partner_key={sandbox.SHOPEE_PARTNER_KEY}",
                "--secret", f"refresh_token={sandbox.SHOPEE_REFRESH_TOKEN}")
        self.ok("channels", "add", "q10", "--kind", "qoo10jp", "--set", f"base_url={base}", *fast,
                "--set", f"user_id={sandbox.QOO10_USER_ID}", "--secret", f"api_key={sandbox.QOO10_API_KEY}",
                "--secret", f"password={sandbox.QOO10_PASSWORD}")
        self.ok("channels", "add", "pa", "--kind", "playauto", "--set", f"base_url={base}/api", *fast,
                "--set", f"email={sandbox.PLAYAUTO_EMAIL}", "--secret", f"api_key={sandbox.PLAYAUTO_API_KEY}",
                "--secret", f"password={sandbox.PLAYAUTO_PASSWORD}")
        os.makedirs(self.csv_dir)
        self.add_csv_file(5)
        self.ok("channels", "add", CSV_CHANNEL, "--kind", "csv", "--set", f"path={self.csv_dir}",
                "--set", "mapping=uoms", "--set", "encoding=utf-8")
        products = self.w.path("products.csv")
        with open(products, "w", encoding="utf-8") as f:
            f.write("sku,name,on_hand\n" + "".join(f"{sku},{sku},1000\n" for sku in SKUS))
        self.ok("--quiet", "products", "import", products)
        # The first pass gets every token (Shopee's single-use refresh token is spent here, never
        # under a kill), the catalogues give the listings, and a first push brings the
        # marketplaces in line with the ledger.
        self.ok("--quiet", "collect")
        self.ok("--quiet", "listings", "fetch")
        self.ok("--quiet", "sync-stock", "--retries", "0")
        return self

    def add_csv_file(self, count):
        """A new export file in the csv channel's folder with `count` new orders."""
        name = os.path.join(self.csv_dir, f"orders-{self.csv_orders:06d}.csv")
        with open(name, "w", encoding="utf-8") as f:
            f.write(CSV_HEADER + csv_rows(self.csv_orders, count))
        self.csv_orders += count

    # --- what each round changes at the marketplaces ---------------------------------------------

    def new_orders(self, per_account=2, channels=tuple(HTTP_CHANNELS)):
        """New orders at the marketplaces (and a new csv file), and one existing order of each
        moved on to its next status — never one holding a tracking number uoms has not
        uploaded yet, which the marketplace would then refuse for a reason of the suite's making."""
        added = {}
        for name in channels:
            kind, account = HTTP_CHANNELS[name]
            spare = [str(o[ORDER_KEY[kind]]) for o in self.sb.orders(account)
                     if (name, str(o[ORDER_KEY[kind]])) not in self.numbers]
            if spare:
                self.sb.mutate(account, ids=[self.rng.choice(spare)])
            added[name] = self.sb.add(account, per_account)
        if CSV_CHANNEL in channels or channels == tuple(HTTP_CHANNELS):
            self.add_csv_file(per_account)
        return added

    def number_orders(self, added, cancel=False):
        """Imports a fresh number for every order in `added` ({channel: truth rows}); with
        `cancel`, the buyer then cancels one order of each cancellable channel."""
        rows = []
        for name, orders in added.items():
            kind = HTTP_CHANNELS[name][0]
            for order in orders:
                self.serial += 1
                key = str(order[ORDER_KEY[kind]])
                number = f"8{self.serial:011d}"
                self.numbers[(name, key)] = number
                rows.append(f"{name},{key},,{CARRIER[kind]},{number}\n")
        path = self.w.path("tracking.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("channel,order,item,carrier,number\n" + "".join(rows))
        self.ok("--quiet", "tracking", "import", path)
        if cancel:
            for name, orders in added.items():
                if name in CANCELLABLE and orders:
                    self.cancel(name, orders[-1])

    def cancel(self, name, order):
        kind, account = HTTP_CHANNELS[name]
        key = str(order[ORDER_KEY[kind]])
        if kind in ("coupang", "smartstore"):
            self.sb._control("POST", "cancel", {"account": account, "ids": [key]})
        else:
            self.sb._control("POST", "cancel", {"kind": kind, "order": key})
        self.cancelled.add((name, key))

    def move_stock(self, rng, skus=3, channels=()):
        """Changes on hand of a few SKUs, so the next sync-stock has pushes to make. Listings
        are fetched first: Qoo10 pushes an option by its name, which only the catalogue gives,
        and new orders may have named listings uoms has not read yet."""
        self.ok("--quiet", "listings", "fetch", *[a for c in channels for a in ("--channel", c)])
        for sku in rng.sample(SKUS, skus):
            self.ok("--quiet", "stock", "adjust", sku, f"+{rng.randint(1, 5)}", "--reason", "fault suite")

    def wait_idle(self, timeout=30):
        """Waits until the sandbox has no request in flight (a slow fault may still sleep)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sb.stats()["in_flight"] == 0:
                return
            time.sleep(0.05)

    # --- the database --------------------------------------------------------------------------

    def sql(self, query, params=()):
        db = sqlite3.connect(f"file:{self.w.db}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(query, params).fetchall()
        finally:
            db.close()

    # --- checks ----------------------------------------------------------------------------------

    def check(self, figures, label, orders=True, tracking=True, stock=STOCK_CHANNELS):
        """Compares everything with the truth (stock on the channels in `stock`, which the
        last sync-stock covered); adds what is wrong to `figures`."""
        if orders:
            self.check_orders(figures, label)
        if tracking:
            self.check_tracking(figures, label)
        if stock:
            self.check_stock(figures, label, stock)
        running = self.sql("SELECT id, kind FROM jobs WHERE status = 'running'")
        for job, kind in running:
            figures.add("jobs left running", 1, f"{label}: job {job} ({kind})", key=job)
        result = self.sql("PRAGMA integrity_check")
        if result != [("ok",)]:
            figures.add("integrity_check not ok", 1, f"{label}: {result[:5]}")

    def stored_orders(self, name):
        """{external id: rows} and the item count uoms holds for channel `name`."""
        rows = self.sql("SELECT o.external_id, count(*) FROM orders o JOIN channels c ON c.id = o.channel_id "
                        "WHERE c.name = ? GROUP BY o.external_id", (name,))
        items = self.sql("SELECT count(*), count(DISTINCT i.order_id || '/' || i.external_id) FROM order_items i "
                         "JOIN orders o ON o.id = i.order_id JOIN channels c ON c.id = o.channel_id "
                         "WHERE c.name = ?", (name,))[0]
        return dict(rows), items

    def check_orders(self, figures, label):
        for name, (kind, account) in HTTP_CHANNELS.items():
            truth = self.sb.orders(account)
            stored, (items, distinct_items) = self.stored_orders(name)
            truth_ids = {str(o["order_id"]) for o in truth}
            lost = truth_ids - set(stored)
            for order in sorted(lost):
                figures.add("orders lost", 1, f"{label}: {name} {order}", key=(name, order))
            dups = {k: n for k, n in stored.items() if n > 1}
            for order, n in dups.items():
                figures.add("orders duplicated", n - 1, f"{label}: {name} {order} x{n}", key=(name, order, n))
            want_items = sum(o["item_count"] for o in truth)
            if (items, distinct_items) != (want_items, want_items):
                figures.add("items lost or duplicated", abs(items - want_items) + (items - distinct_items),
                            f"{label}: {name} {items} rows, {distinct_items} distinct, truth {want_items}",
                            key=(name, items - want_items, items - distinct_items))
        stored, (items, distinct_items) = self.stored_orders(CSV_CHANNEL)
        truth_ids = {f"CSV-{n:06d}" for n in range(self.csv_orders)}
        lost = truth_ids - set(stored)
        for order in sorted(lost):
            figures.add("orders lost", 1, f"{label}: csv {order}", key=("csv", order))
        dups = {k: n for k, n in stored.items() if n > 1}
        for order, n in dups.items():
            figures.add("orders duplicated", n - 1, f"{label}: csv {order} x{n}", key=("csv", order, n))
        if (items, distinct_items) != (self.csv_orders, self.csv_orders):
            figures.add("items lost or duplicated", abs(items - self.csv_orders) + (items - distinct_items),
                        f"{label}: csv {items} rows, {distinct_items} distinct, truth {self.csv_orders}",
                        key=("csv", items - self.csv_orders, items - distinct_items))

    def deliveries(self):
        """Every tracking number the sandbox received: [(channel, order, shipment, number, accepted)]."""
        out = []
        for name in ("cp", "ss"):
            account = HTTP_CHANNELS[name][1]
            for r in self.sb._control("GET", "tracking", query="account=" + account)["received"]:
                out.append((name, str(r["order_id"]), f"{r['shipment']}/{r['item']}", r["tracking_number"],
                            r["result"] == "OK"))
        for name in ("sp", "q10", "pa"):
            kind = HTTP_CHANNELS[name][0]
            status, _, body = self.sb.request_json("GET", "/__sandbox/tracking", "kind=" + kind)
            if status != 200:
                raise Failure(f"GET /__sandbox/tracking?kind={kind}: HTTP {status}")
            for r in body:
                out.append((name, str(r["order"]), str(r["shipment"]), r["number"], True))
        return out

    def check_tracking(self, figures, label):
        got = self.deliveries()
        # Every delivery of one shipment after the first is a double send (Coupang and Smartstore
        # log refused deliveries too; the other kinds log accepted ones).
        per_shipment = collections.Counter((name, shipment) for name, _, shipment, _, _ in got)
        doubles = {k: n for k, n in per_shipment.items() if n > 1}
        for shipment, n in doubles.items():
            figures.add("numbers double-sent", n - 1, f"{label}: {shipment} x{n}", key=(shipment, n))
        # Shopee and Qoo10 take one shipment per call: a call the marketplace processed beyond
        # the accepted ones is a number sent again (refused, so not in the ledger).
        stats = self.sb.stats()["accounts"]
        for name, endpoint in SINGLE_WRITE_ENDPOINT.items():
            calls = stats.get(HTTP_CHANNELS[name][1], {}).get("endpoints", {}).get(endpoint, 0) + \
                self.write_calls_before_reset[name]
            accepted = sum(1 for g in got if g[0] == name and g[4])
            figures.add("numbers double-sent", max(0, calls - accepted) - self.extra_calls[name],
                        f"{label}: {name} {calls} {endpoint} calls, {accepted} accepted")
            self.extra_calls[name] = max(self.extra_calls[name], calls - accepted)
        delivered = {(name, order, number) for name, order, _, number, ok in got if ok}
        for (name, order), number in self.numbers.items():
            if (name, order) in self.cancelled:
                if (name, order, number) in delivered:
                    figures.add("numbers for cancelled orders", 1, f"{label}: {name} {order} {number}", key=(name, order))
            elif (name, order, number) not in delivered:
                figures.add("numbers not delivered", 1, f"{label}: {name} {order} {number}", key=(name, order))

    def reset_stats(self):
        """Zeroes the sandbox's counters, keeping the write-call counts check_tracking needs."""
        stats = self.sb.stats()["accounts"]
        for name, endpoint in SINGLE_WRITE_ENDPOINT.items():
            self.write_calls_before_reset[name] += stats.get(HTTP_CHANNELS[name][1], {}).get("endpoints", {}).get(
                endpoint, 0)
        self.sb.reset_stats()

    def check_stock(self, figures, label, channels=STOCK_CHANNELS):
        """Every mapped listing of `channels` shows its SKU's available quantity on its marketplace."""
        shown = json.loads(self.ok("--json", "stock", "show"))["products"]
        available = {p["sku"]: p["available"] for p in shown}
        listings = json.loads(self.ok("--json", "listings", "list"))["listings"]
        for name in channels:
            kind, account = HTTP_CHANNELS[name]
            book = {(e["item"], e["option"]): e["stock"]
                    for e in self.sb._control("GET", "stock", query=f"kind={kind}&account={account}")["listings"]}
            for entry in listings:
                if entry["channel"] != name or not entry["sku"]:
                    continue
                option = entry["option"] if entry["option"] or kind != "shopee" else "0"
                remote = book.get((entry["item"], option))
                want = available[entry["sku"]] - (entry.get("held_back") or 0)
                if remote != want:
                    figures.add("stock pushes wrong", 1,
                                f"{label}: {name} {entry['item']}/{entry['option']} {entry['sku']}: marketplace "
                                f"{remote}, available {available[entry['sku']]}, held back {entry.get('held_back')}",
                                key=(name, entry["item"], entry["option"], remote, want))

    def check_secrets(self, figures, label):
        """No channel secret in any output, job or job detail, nor in clear in the database file."""
        texts = list(self.outputs)
        texts += [" ".join(str(v) for v in row) for row in self.sql("SELECT * FROM jobs")]
        texts += [" ".join(str(v) for v in row) for row in self.sql("SELECT * FROM job_details")]
        db = self.w.db_bytes()
        for secret in SECRETS:
            leaks = sum(1 for t in texts if secret in t) + (1 if secret.encode() in db else 0)
            figures.add("secrets leaked", leaks, f"{label}: {secret[:4]}… found {leaks} times")
