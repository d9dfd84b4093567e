#pragma once

#include "core/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tollgate::pki {

// Largest file that read_small_file reads. PEM certificates, keys and password files are a
// few KiB.
constexpr std::size_t kMaxInputFileBytes = 1024 * 1024;

// A file that a `tollgate pki` command writes.
struct OutputFile {
    std::filesystem::path path;
    std::string content;
    // Private keys, .p12 bundles and password files are created with mode 0600, everything
    // else with 0644. The umask can only remove permissions from these.
    bool secret = false;
};

// Fails when one of `paths` exists and `force` is false (naming every such file and
// --force) or when one is a directory.
core::Result<void> check_output_paths(const std::vector<std::filesystem::path>& paths, bool force);

// Writes `files` after check_output_paths, creating missing parent directories. A new file is
// created with O_CREAT|O_EXCL and its final mode, so it never exists with wider permissions
// and never replaces a file that appeared in the meantime. With `force` an existing file is
// replaced atomically: the content goes to a new temporary file beside it, which rename()
// moves over the old one. When a write fails, the files that this call wrote before it are
// removed, so with `force` the files they replaced are lost.
core::Result<void> write_output_files(const std::vector<OutputFile>& files, bool force);

// Reads a file of at most kMaxInputFileBytes. `what` names the file in messages, e.g. "CA
// certificate".
core::Result<std::string> read_small_file(const std::filesystem::path& path, std::string_view what);

}  // namespace tollgate::pki
