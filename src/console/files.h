#pragma once

#include <span>
#include <string_view>

namespace tollgate::console {

// One file of the web console, embedded in the binary at build time from the repository's
// console/ folder by cmake/embed_files.cmake.
struct File {
    std::string_view path;          // relative to console/, e.g. "js/app.js"
    std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
    std::string_view body;
};

// Returns every file of the console, sorted by path. The views point to static storage.
std::span<const File> files();

}  // namespace tollgate::console
