#pragma once

#include "core/error.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace tollgate::cli {

// The file in the data directory that contains the API's URL, for the CLI client.
inline constexpr std::string_view kApiEndpointFileName = "api-endpoint";

// Returns the absolute data directory: `flag_value` when not empty, else
// $TOLLGATE_DATA_DIR, else /var/lib/tollgate for root, else $XDG_DATA_HOME/tollgate or
// ~/.local/share/tollgate. Creates the missing parent directories of the last three with
// mode 0700, as the XDG Base Directory Specification recommends. The store creates the
// directory itself. Fails when no home directory is set or a parent cannot be created.
core::Result<std::filesystem::path> resolve_data_dir(const std::string& flag_value);

// Writes `url` and a newline to DATA_DIR/api-endpoint with mode 0644, replacing the file
// in one rename so that a reader never sees half of it.
// Creates DATA_DIR with mode 0700 when it does not exist; its parent must exist.
core::Result<void> create_data_dir(const std::filesystem::path& data_dir);

// Takes the exclusive lock that marks DATA_DIR as used by this process and writes the
// process id into the lock file. Returns the descriptor, which must stay open while the
// process runs. Fails, naming the other process, when one holds the lock.
core::Result<int> lock_data_dir(const std::filesystem::path& data_dir);

core::Result<void> write_api_endpoint(const std::filesystem::path& data_dir, std::string_view url);

}  // namespace tollgate::cli
