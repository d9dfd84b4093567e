#include "model/config_reader.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace tollgate::model {
namespace {

void render_into(const YAML::Node& node, std::string& out, std::size_t max_chars) {
    if (out.size() > max_chars) {
        return;
    }
    switch (node.Type()) {
        case YAML::NodeType::Null:
            out += "null";
            break;
        case YAML::NodeType::Scalar:
            out += node.Scalar();
            break;
        case YAML::NodeType::Sequence: {
            out += '[';
            bool first = true;
            for (const auto& item : node) {
                if (out.size() > max_chars) {
                    break;
                }
                out += first ? "" : ", ";
                first = false;
                render_into(item, out, max_chars);
            }
            out += ']';
            break;
        }
        case YAML::NodeType::Map: {
            out += '{';
            bool first = true;
            for (const auto& entry : node) {
                if (out.size() > max_chars) {
                    break;
                }
                out += first ? "" : ", ";
                first = false;
                render_into(entry.first, out, max_chars);
                out += ": ";
                render_into(entry.second, out, max_chars);
            }
            out += '}';
            break;
        }
        case YAML::NodeType::Undefined:
            break;
    }
}

std::string to_lower(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        previous[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// YAML 1.2 core schema booleans. The YAML 1.1 words (yes, no, on, off) are rejected so that
// `NO` as a country code or `off` as a mode never turns into a boolean by surprise.
std::optional<bool> parse_bool(const std::string& text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

constexpr std::string_view kMergeKey = "<<";
// Limits of merging per mapping. Aliases let a few lines merge the same mappings over and
// over, so both the depth and the total count are bounded.
constexpr int kMaxMergeDepth = 8;
constexpr int kMaxMergedMappings = 64;

bool has_key(const YAML::Node& mapping, const YAML::Node& key) {
    for (const auto& entry : mapping) {
        if (entry.first.IsScalar() && key.IsScalar() && entry.first.Scalar() == key.Scalar()) {
            return true;
        }
    }
    return false;
}

// Returns a copy of `mapping` with its YAML merge keys (`<<: *defaults`) expanded, because
// yaml-cpp 0.7 keeps them as ordinary keys. Keys written in the mapping win over merged
// ones, and an earlier merged mapping wins over a later one. Returns nullopt, with nothing
// copied, when the value of `<<` is not a mapping or a list of mappings, or a limit is hit.
std::optional<YAML::Node> expand_merge_keys(const YAML::Node& mapping, int depth, int& merged_count) {
    YAML::Node expanded(YAML::NodeType::Map);
    std::vector<YAML::Node> merged;
    for (const auto& entry : mapping) {
        if (!(entry.first.IsScalar() && entry.first.Scalar() == kMergeKey)) {
            expanded.force_insert(entry.first, entry.second);
            continue;
        }
        const YAML::Node& value = entry.second;
        if (value.IsMap()) {
            merged.push_back(value);
        } else if (value.IsSequence() && std::all_of(value.begin(), value.end(),
                                                     [](const YAML::Node& item) { return item.IsMap(); })) {
            for (const YAML::Node& item : value) {
                merged.push_back(item);
            }
        } else {
            return std::nullopt;
        }
    }
    merged_count += static_cast<int>(merged.size());
    if (!merged.empty() && (depth >= kMaxMergeDepth || merged_count > kMaxMergedMappings)) {
        return std::nullopt;
    }
    for (const auto& source : merged) {
        auto flattened = expand_merge_keys(source, depth + 1, merged_count);
        if (!flattened) {
            return std::nullopt;
        }
        for (const auto& entry : *flattened) {
            if (!has_key(expanded, entry.first)) {
                expanded.force_insert(entry.first, entry.second);
            }
        }
    }
    return expanded;
}

}  // namespace

std::string render_node(const YAML::Node& node, std::size_t max_chars) {
    std::string out;
    render_into(node, out, max_chars);
    return shorten(std::move(out), max_chars);
}

std::string shorten(std::string text, std::size_t max_chars) {
    if (text.size() <= max_chars) {
        return text;
    }
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    text.resize(cut);
    return text + "...";
}

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
    std::string lower_word = to_lower(word);
    std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
    std::string best;
    std::size_t best_distance = limit + 1;
    for (std::string_view candidate : candidates) {
        std::size_t distance = edit_distance(lower_word, to_lower(candidate));
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string suggest(std::string_view word, std::span<const std::string_view> candidates,
                    std::string otherwise) {
    std::string match = closest_match(word, candidates);
    if (match.empty()) {
        return otherwise;
    }
    return "did you mean \"" + match + "\"?";
}

std::string join_choices(std::span<const std::string_view> words, std::string_view last_separator) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) {
            out += i + 1 == words.size() ? last_separator : ", ";
        }
        out += words[i];
    }
    return out;
}

std::size_t utf8_length(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IpAddress::is_unspecified() const {
    std::size_t used = is_v6 ? 16 : 4;
    return std::all_of(bytes.begin(), bytes.begin() + used, [](std::uint8_t byte) { return byte == 0; });
}

std::optional<IpAddress> parse_ip_address(const std::string& text) {
    IpAddress address;
    if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) {
        return address;
    }
    address.is_v6 = true;
    if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) == 1) {
        return address;
    }
    return std::nullopt;
}

FileContent read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    FileContent result;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block the open
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            result.problem = "file not found";
            result.fix = "check the path";
        } else {
            result.problem = "failed to read file (" + std::string(std::strerror(errno)) + ")";
            result.fix = "check the file permissions";
        }
        return result;
    }

    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        ::close(fd);
        result.problem = "not a regular file";
        result.fix = "use the path of a file";
        return result;
    }

    std::array<char, 16384> buffer;
    while (result.problem.empty()) {
        ssize_t count = ::read(fd, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            result.problem = "failed to read file (" + std::string(std::strerror(errno)) + ")";
            result.fix = "check the file and the disk";
        } else if (count == 0) {
            break;
        } else if (result.data.size() + static_cast<std::size_t>(count) > max_bytes) {
            result.problem = "file too large";
            result.fix = "use a file of at most " + std::to_string(max_bytes) + " bytes";
        } else {
            result.data.append(buffer.data(), static_cast<std::size_t>(count));
        }
    }
    ::close(fd);
    if (!result.problem.empty()) {
        result.data.clear();
    }
    return result;
}

std::string format_endpoint(std::string_view address, std::uint16_t port) {
    std::string host(address);
    if (host.find(':') != std::string::npos) {
        host = "[" + host + "]";
    }
    return host + ":" + std::to_string(port);
}

FieldReader::FieldReader(const YAML::Node& mapping, std::string resource, std::vector<ConfigError>& errors,
                         std::string field_prefix)
    : mapping_(mapping),
      resource_(std::move(resource)),
      errors_(errors),
      field_prefix_(std::move(field_prefix)) {
    if (!has_key(mapping, YAML::Node(std::string(kMergeKey)))) {
        return;
    }
    int merged_count = 0;
    if (auto expanded = expand_merge_keys(mapping, 0, merged_count)) {
        // reset() rebinds the handle. Assignment would overwrite the shared node, and with
        // it every alias of the mapping elsewhere in the document.
        mapping_.reset(*expanded);
    } else {
        // The merge key stays in mapping_. Marking it known keeps finish() from reporting it again.
        get(kMergeKey);
        error(kMergeKey, "invalid merge key", std::nullopt,
              "merge a mapping or a list of mappings, such as <<: *defaults, at most " +
                  std::to_string(kMaxMergeDepth) + " levels deep and " + std::to_string(kMaxMergedMappings) +
                  " mappings in all");
    }
}

std::optional<YAML::Node> FieldReader::get(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        known_.emplace_back(key);
    }
    for (const auto& entry : mapping_) {
        if (entry.first.IsScalar() && entry.first.Scalar() == key) {
            if (entry.second.IsNull()) {
                return std::nullopt;
            }
            return entry.second;
        }
    }
    return std::nullopt;
}

bool FieldReader::require(std::string_view key, std::string fix) {
    if (has(key)) {
        return true;
    }
    error(key, "missing required field", std::nullopt, std::move(fix));
    return false;
}

std::optional<std::string> FieldReader::scalar(std::string_view key, std::string_view fix_for_wrong_type) {
    auto node = get(key);
    if (!node) {
        return std::nullopt;
    }
    if (!node->IsScalar()) {
        invalid(key, render_node(*node), std::string(fix_for_wrong_type));
        return std::nullopt;
    }
    return node->Scalar();
}

std::optional<bool> FieldReader::boolean(std::string_view key) {
    auto value = scalar(key, "use true or false");
    if (!value) {
        return std::nullopt;
    }
    auto parsed = parse_bool(*value);
    if (!parsed) {
        invalid(key, shorten(*value), "use true or false");
    }
    return parsed;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    std::string fix = "use a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    auto value = scalar(key, fix);
    if (!value) {
        return std::nullopt;
    }
    std::int64_t parsed = 0;
    const char* end = value->data() + value->size();
    auto [stop, status] = std::from_chars(value->data(), end, parsed);
    if (value->empty() || status != std::errc() || stop != end || parsed < min || parsed > max) {
        invalid(key, shorten(*value), fix);
        return std::nullopt;
    }
    return parsed;
}

std::optional<std::string> FieldReader::text(std::string_view key, std::size_t max_length) {
    std::string fix = "use a string of at most " + std::to_string(max_length) + " characters";
    auto value = scalar(key, fix);
    if (value && utf8_length(*value) > max_length) {
        invalid(key, shorten(*value), fix);
        return std::nullopt;
    }
    return value;
}

std::optional<YAML::Node> FieldReader::sequence(std::string_view key, std::string_view fix_for_wrong_type) {
    auto node = get(key);
    if (node && !node->IsSequence()) {
        invalid(key, render_node(*node), std::string(fix_for_wrong_type));
        return std::nullopt;
    }
    return node;
}

std::optional<YAML::Node> FieldReader::mapping(std::string_view key, std::string_view fix_for_wrong_type) {
    auto node = get(key);
    if (node && !node->IsMap()) {
        invalid(key, render_node(*node), std::string(fix_for_wrong_type));
        return std::nullopt;
    }
    return node;
}

void FieldReader::ignore(std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys) {
        get(key);
    }
}

void FieldReader::finish() {
    std::vector<std::string_view> known(known_.begin(), known_.end());
    std::vector<std::string> seen;
    for (const auto& entry : mapping_) {
        std::string key = entry.first.IsScalar() ? entry.first.Scalar() : render_node(entry.first);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            error(key, "duplicate field", std::nullopt, "keep only one " + key + " entry");
            continue;
        }
        seen.push_back(key);
        if (!entry.first.IsScalar() || std::find(known.begin(), known.end(), key) == known.end()) {
            error(key, "unknown field", std::nullopt, suggest(key, known, "remove it or check its spelling"));
        }
    }
}

void FieldReader::error(std::string_view key, std::string problem, std::optional<std::string> value,
                        std::string fix) {
    errors_.push_back(
        ConfigError{resource_, field_name(key), std::move(problem), std::move(value), std::move(fix)});
}

}  // namespace tollgate::model
