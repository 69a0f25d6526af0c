#!/usr/bin/env python3
"""Peak RSS of one `uoms collect` pass over one channel of N orders.

    python3 tests/bench/collect_rss.py UOMS UOMS_SANDBOX KIND N [N ...]

KIND is coupang, smartstore, shopee, qoo10jp, playauto (the sandbox seeds N orders on one
account of that kind, spread over 72 hours) or csv (one generated file of N orders, one or
two rows each, in the default `uoms` layout). For each N it prints the orders stored, the
wall time, the CPU time (user + sys) and the peak RSS of the collect process, as
`/usr/bin/time -v` reports them. A program that prints figures; it never fails on them.
"""

import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import sandbox  # noqa: E402


def write_csv(path, count):
    rnd = random.Random(7)
    with open(path, "w", encoding="utf-8") as f:
        f.write("order_id,item_id,ordered_at,status,sku,product_name,quantity,unit_price,shipping_fee,"
                "buyer_name,receiver_name,receiver_phone,zip,address1,address2\n")
        for n in range(count):
            for item in range(1 + (n % 2)):
                f.write(f"CSV-{n:08d},{item + 1},2026-11-22 10:{n % 60:02d}:00,결제완료,SKU-{rnd.randrange(500):04d},"
                        f"\"얼그레이 홍차 100g, 선물용\",{1 + rnd.randrange(3)},12900,3000,김민준,이서연,010-1234-5678,"
                        f"06236,서울특별시 강남구 테헤란로 {n % 500},{n % 30}층\n")


def channel_args(kind, base, folder):
    if kind == "csv":
        return ["--set", f"path={folder}"]
    s = sandbox
    table = {
        "coupang": ["--set", f"vendor_id={s.COUPANG_VENDOR}", "--secret", f"access_key={s.COUPANG_ACCESS_KEY}",
                    "--secret", f"secret_key={s.COUPANG_SECRET_KEY}"],
        "smartstore": ["--set", f"client_id={s.SMARTSTORE_CLIENT_ID}",
                       "--secret", f"client_secret={s.SMARTSTORE_CLIENT_SECRET}"],
        "shopee": ["--set", f"partner_id={s.SHOPEE_PARTNER_ID}", "--set", f"shop_id={s.SHOPEE_SHOP_ID}",
                   "--secret", f"partner_key={s.SHOPEE_PARTNER_KEY}", "--secret", f"refresh_token={s.SHOPEE_REFRESH_TOKEN}"],
        "qoo10jp": ["--set", f"user_id={s.QOO10_USER_ID}", "--secret", f"api_key={s.QOO10_API_KEY}",
                    "--secret", f"password={s.QOO10_PASSWORD}"],
        "playauto": ["--set", f"email={s.PLAYAUTO_EMAIL}", "--secret", f"api_key={s.PLAYAUTO_API_KEY}",
                     "--secret", f"password={s.PLAYAUTO_PASSWORD}"],
    }
    return ["--set", f"base_url={base}", "--set", "rate_limit=1000", *table[kind]]


def measure(uoms, sandbox_bin, kind, count):
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
               "UOMS_ALLOWED_HOSTS": "loopback", "UOMS_SETTLE_DELAY": "0s",
               "UOMS_CONFIG": os.path.join(home, "uoms.toml")}
        run = lambda *a: subprocess.run([uoms, *a], env=env, cwd=home, check=True, capture_output=True, text=True)
        run("init", "--dir", home, "--quiet")
        sb = None
        folder = os.path.join(home, "orders")
        if kind == "csv":
            os.mkdir(folder)
            write_csv(os.path.join(folder, "orders.csv"), count)
            base = ""
        else:
            config = sandbox.default_config(orders=count)
            config["accounts"] = [a for a in config["accounts"] if a["kind"] == kind]
            sb = sandbox.Sandbox(config, binary=sandbox_bin, start_timeout=600)
            sb.start()
            base = sb.base_url
        try:
            run("channels", "add", "ch", "--kind", kind, *channel_args(kind, base, folder))
            t0 = time.monotonic()
            p = subprocess.run(["/usr/bin/time", "-v", uoms, "collect", "--quiet"], env=env, cwd=home,
                               capture_output=True, text=True)
            wall = time.monotonic() - t0
        finally:
            if sb:
                sb.stop()
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
        user = float(re.search(r"User time \(seconds\): ([\d.]+)", p.stderr).group(1))
        system = float(re.search(r"System time \(seconds\): ([\d.]+)", p.stderr).group(1))
        stored = sqlite3.connect(os.path.join(home, "uoms.db")).execute("SELECT count(*) FROM orders").fetchone()[0]
        print(f"{kind:10} {count:>8} orders: exit {p.returncode}, {stored} stored, wall {wall:6.1f} s, "
              f"cpu {user + system:6.1f} s, peak RSS {rss:7.1f} MiB", flush=True)


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    uoms, sandbox_bin, kind = (os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3])
    for count in sys.argv[4:]:
        measure(uoms, sandbox_bin, kind, int(count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
