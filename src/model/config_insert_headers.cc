// Reading of a listener's insert_headers object. Its keys are the enable and alias keys of
// inserted_header_specs() plus X-Forwarded-For-Processing-Mode, spelled as in the ELB API.

#include "model/config_context.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace tollgate::model {
namespace {

constexpr std::string_view kModeKey = "X-Forwarded-For-Processing-Mode";
constexpr std::array<std::pair<std::string_view, XffMode>, 3> kForwardedForModes{{
    {"append", XffMode::Append},
    {"remove", XffMode::Remove},
    {"preserve", XffMode::Preserve},
}};

// Keys of the ELB API for headers that tollgate does not insert yet.
constexpr std::array<std::string_view, 3> kLaterEnableKeys{
    "X-Forwarded-Clientcert-ciphers-enable", "X-Forwarded-Tls-Ja3-enable", "X-Forwarded-Tls-Ja4-enable"};
constexpr std::array<std::string_view, 3> kLaterAliasKeys{
    "X-Forwarded-Clientcert-ciphers-alias", "X-Forwarded-Tls-Ja3-alias", "X-Forwarded-Tls-Ja4-alias"};

// Names that an alias must not take, because the proxy frames the request with them or sets
// them itself. An inserted copy would let the backend read a second, conflicting value.
constexpr std::array<std::string_view, 11> kReservedNames{
    "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",     "Proxy-Connection",
    "TE",   "Trailer",        "Upgrade",           "Expect",     "X-Forwarded-For"};

constexpr std::string_view kAliasFix = "use 1 to 40 characters of A-Z, a-z, 0-9, _ and -";

bool is_valid_alias(std::string_view alias) {
    if (alias.empty() || alias.size() > 40) {
        return false;
    }
    return std::all_of(alias.begin(), alias.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void report_https_only(FieldReader& reader, std::string_view key, std::string value) {
    reader.error(key, "HTTPS-only header on an HTTP listener", std::move(value),
                 "remove it or set protocol to HTTPS");
}

// Reads the enable and alias keys of every header into `headers`. Returns the alias keys
// that renamed a header, by header.
std::array<std::string_view, kInsertedHeaderCount> read_header_settings(FieldReader& reader,
                                                                        InsertHeaders& headers,
                                                                        bool http_listener) {
    std::array<std::string_view, kInsertedHeaderCount> alias_keys{};
    for (const auto& spec : inserted_header_specs()) {
        HeaderSetting& setting = headers[spec.header];
        auto enabled = reader.boolean(spec.enable_key);
        if (enabled == true && spec.https_only && http_listener) {
            report_https_only(reader, spec.enable_key, "true");
        } else if (enabled) {
            setting.enabled = *enabled;
        }

        if (spec.alias_key.empty()) {
            continue;
        }
        auto alias = reader.scalar(spec.alias_key, kAliasFix);
        if (!alias) {
            continue;
        }
        if (!is_valid_alias(*alias)) {
            reader.invalid(spec.alias_key, shorten(*alias), std::string(kAliasFix));
        } else if (spec.https_only && http_listener) {
            report_https_only(reader, spec.alias_key, *alias);
        } else {
            setting.name = *alias;
            alias_keys[static_cast<std::size_t>(spec.header)] = spec.alias_key;
        }
    }
    return alias_keys;
}

// Reports an alias that is reserved or equals the name of another header of the listener,
// ignoring case as HTTP does. Of two aliases with one name, the later one is reported.
void check_alias_names(FieldReader& reader, const InsertHeaders& headers,
                       const std::array<std::string_view, kInsertedHeaderCount>& alias_keys) {
    for (std::size_t i = 0; i < kInsertedHeaderCount; ++i) {
        if (alias_keys[i].empty()) {
            continue;
        }
        const std::string& name = headers.headers[i].name;
        auto reserved =
            std::find_if(kReservedNames.begin(), kReservedNames.end(),
                         [&](std::string_view candidate) { return equals_ignoring_case(candidate, name); });
        if (reserved != kReservedNames.end()) {
            reader.error(alias_keys[i], "reserved header name", name,
                         "choose a name that the proxy does not set or interpret itself");
            continue;
        }
        for (std::size_t j = 0; j < kInsertedHeaderCount; ++j) {
            bool earlier_or_unaliased = j < i || alias_keys[j].empty();
            if (j != i && earlier_or_unaliased && equals_ignoring_case(headers.headers[j].name, name)) {
                reader.error(alias_keys[i], "name already used by another inserted header", name,
                             "choose a name that no other inserted header of this listener has");
                break;
            }
        }
    }
}

// Reports two common mistakes before finish() would call the keys unknown with a weaker
// hint: a bare header name whose key ends in -enable (X-Forwarded-Tls-Sni), and an alias
// key for a header that has none (X-Real-IP-alias).
void report_misnamed_keys(FieldReader& reader, const YAML::Node& mapping) {
    constexpr std::string_view kSuffix = "-alias";
    for (const auto& entry : mapping) {
        if (!entry.first.IsScalar()) {
            continue;
        }
        const std::string& key = entry.first.Scalar();
        bool alias_form = key.size() > kSuffix.size() && key.ends_with(kSuffix);
        std::string_view header(key.data(), alias_form ? key.size() - kSuffix.size() : key.size());
        for (const auto& spec : inserted_header_specs()) {
            if (spec.default_name != header) {
                continue;
            }
            if (alias_form && spec.alias_key.empty()) {
                reader.get(key);
                reader.error(key, "unknown field", std::nullopt,
                             std::string(header) + " has no alias key, so remove this entry");
            } else if (!alias_form && spec.enable_key != key) {
                reader.get(key);
                reader.error(key, "unknown field", std::nullopt,
                             "did you mean \"" + std::string(spec.enable_key) + "\"?");
            }
        }
    }
}

void read_later_headers(FieldReader& reader) {
    for (std::string_view key : kLaterEnableKeys) {
        if (reader.boolean(key) == true) {
            reader.error(key, "not supported yet", "true", "remove it or set it to false");
        }
    }
    // An alias without its header has no effect, so it is only checked for form.
    for (std::string_view key : kLaterAliasKeys) {
        auto alias = reader.scalar(key, kAliasFix);
        if (alias && !is_valid_alias(*alias)) {
            reader.invalid(key, shorten(*alias), std::string(kAliasFix));
        }
    }
}

}  // namespace

void read_insert_headers(FieldReader& listener_reader, Listener& listener, std::optional<Protocol> protocol) {
    auto mapping =
        listener_reader.mapping("insert_headers", "use a mapping from insert_headers keys to values");
    if (!mapping) {
        return;
    }
    FieldReader reader(*mapping, listener_reader.resource(), listener_reader.errors(), "insert_headers.");
    InsertHeaders headers = InsertHeaders::defaults();

    auto alias_keys = read_header_settings(reader, headers, protocol == Protocol::Http);
    check_alias_names(reader, headers, alias_keys);
    if (auto mode = reader.choice<XffMode>(kModeKey, kForwardedForModes)) {
        headers.forwarded_for_mode = *mode;
    }
    read_later_headers(reader);
    report_misnamed_keys(reader, *mapping);
    reader.finish();

    listener.insert_headers = std::move(headers);
}

}  // namespace tollgate::model
