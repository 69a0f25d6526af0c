#!/usr/bin/env bash
# The demo: a fresh uoms home in ./demo, six channels (the example CSV exports, and Coupang,
# Smartstore, Shopee, Qoo10 and PlayAuto served by the sandbox on 127.0.0.1 with its sample
# keys), a product file imported, two collect passes (the second finds nothing new and
# duplicates nothing; listings map to SKUs by the sellers' codes and orders reserve stock), the
# catalogues fetched, stock pushed twice (the second pass pushes nothing), a tracking file
# imported and uploaded to every marketplace twice (the second pass sends nothing), then the job
# list. No credentials, no traffic beyond loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${UOMS_BUILD_DIR:-$root/build}"
uoms="$build/uoms"
demo="${UOMS_DEMO_DIR:-$root/demo}"

export UOMS_ALLOWED_HOSTS=loopback
export UOMS_CONFIG="$demo/uoms.toml"

rm -rf "$demo"
"$uoms" init --dir "$demo" --quiet

"$build/uoms-sandbox" --config "$root/tests/sandbox/default.json" --port 0 --port-file "$demo/sandbox.port" \
  >"$demo/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null; wait $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$demo/sandbox.port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$demo/sandbox.port")"

"$uoms" channels add shop-csv --kind csv --set "path=$root/examples/orders"
"$uoms" channels add coupang-main --kind coupang --set "base_url=$base" --set vendor_id=A00012345 \
  --secret access_key=0a3a0f34-7852-4ad8-9368-766290b8b1ab --secret secret_key=7ffcdf980d908fe7ca3d642868e22f99f0306bf5
printf '%s\n' '$2a$04$abcdefghijklmnopqrstuv' |
  "$uoms" channels add smartstore-main --kind smartstore --set "base_url=$base" --set client_id=aaaabbbbcccc \
    --secret-stdin client_secret

"$uoms" channels add shopee-sg --kind shopee --set "base_url=$base" --set partner_id=2001887 --set shop_id=14701711 \
  --secret partner_key=57615053704d6470644f554a78656d50484143644964436a5568777544524579 \
  --secret refresh_token=sandbox-initial-refresh-token-0001
"$uoms" channels add qoo10-jp --kind qoo10jp --set "base_url=$base" --set rate_limit=10 --set user_id=qoo10seller1 \
  --secret api_key=qoo10-sandbox-api-key-0001 --secret password=qoo10-sandbox-password
"$uoms" channels add playauto-main --kind playauto --set "base_url=$base" --set email=seller@example.com \
  --secret api_key=playauto-sandbox-api-key-0001 --secret password=playauto-sandbox-password

status=0
echo
echo "\$ uoms products import examples/products.csv    # the SKU master: a stock count"
"$uoms" products import "$root/examples/products.csv" || status=$?
for pass in first second; do
  echo
  echo "\$ uoms collect    # $pass pass"
  "$uoms" collect || status=$?
done
echo
echo "\$ uoms listings fetch    # catalogues where the marketplace has a catalogue call"
"$uoms" listings fetch || status=$?
for pass in first second; do
  echo
  echo "\$ uoms sync-stock    # $pass pass"
  "$uoms" sync-stock || status=$?
done
echo
echo "\$ uoms tracking import demo/tracking.csv    # numbers for three shippable orders per marketplace"
python3 "$root/scripts/demo_tracking_csv.py" "$demo/uoms.db" >"$demo/tracking.csv"
"$uoms" tracking import "$demo/tracking.csv" || status=$?
for pass in first second; do
  echo
  echo "\$ uoms upload-tracking    # $pass pass"
  "$uoms" upload-tracking || status=$?
done
echo
echo "\$ uoms jobs list"
"$uoms" jobs list
echo
echo "demo home: $demo (try: UOMS_CONFIG=$demo/uoms.toml $uoms orders list)"
exit $status
