#pragma once

// The store: one SQLite connection (store/database.hpp) and a small repository per group
// of tables. Including this header brings them all.
#include "uoms/store/channels.hpp"
#include "uoms/store/collect_state.hpp"
#include "uoms/store/database.hpp"
#include "uoms/store/health.hpp"
#include "uoms/store/jobs.hpp"
#include "uoms/store/locks.hpp"
#include "uoms/store/meta.hpp"
#include "uoms/store/orders.hpp"
#include "uoms/store/shipments.hpp"
