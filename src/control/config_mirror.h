#pragma once

// The read-only API of file mode: the resources of a configuration file, copied into a store
// so that the API's GET requests show what runs.

#include "core/error.h"
#include "model/resources.h"
#include "store/store.h"

namespace tollgate::control {

// File mode shows the file's resources in this project, under the ids the file gives them.
inline constexpr const char* kFileProject = "default";

// Replaces every resource in `store` with those of `config`, in one transaction. Fields the
// model does not keep, such as description, are not shown.
core::Result<void> mirror_config(store::Store& store, const model::Config& config);

}  // namespace tollgate::control
