#pragma once

// Turns the stored resources into the document the configuration loader reads, so that the
// API and the configuration file share one validation and one compilation.

#include "core/error.h"
#include "model/config_loader.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

namespace tollgate::control {

// Field of a pool document that links it to a listener at creation. The listener's
// default_pool_id records the link afterwards, so this field is not passed to the loader.
inline constexpr const char* kPoolListenerField = "listener_id";

// Builds {"certificates": [...], "loadbalancers": [...], "pools": [...], "listeners": [...],
// "healthmonitors": [...]} from every project. Each entry is the stored body with its `id`;
// members go inside their pool; private keys are opened from the store's secrets.
core::Result<nlohmann::json> stored_config_document(store::Transaction& transaction);

// Loads the stored resources through the configuration loader.
core::Result<model::LoadResult> load_stored_config(store::Transaction& transaction);

}  // namespace tollgate::control
