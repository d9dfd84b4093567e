// Reading of the `certificates` collection: server certificates with their keys and CA
// bundles that verify clients. Only the presence of a PEM block is checked here. Parsing,
// chain and key matching happen when the TLS contexts are built.

#include "model/config_context.h"

namespace tollgate::model {
namespace {

// One PEM value that is given either inline or as a file.
struct PemField {
    std::string_view inline_key;  // "certificate"
    std::string_view file_key;    // "certificate_file"
    std::string_view begin_line;  // named in the hint when no PEM block is found
    std::size_t max_chars;        // limit of the ELB API, so the same value can go through the API
};

constexpr PemField kCertificateField{"certificate", "certificate_file", "-----BEGIN CERTIFICATE-----", 65536};
constexpr PemField kPrivateKeyField{"private_key", "private_key_file", "-----BEGIN PRIVATE KEY-----", 8192};

bool contains_pem_block(std::string_view text) {
    return text.find("-----BEGIN") != std::string_view::npos;
}

std::optional<std::string> read_inline_pem(FieldReader& reader, const PemField& field) {
    auto text = reader.scalar(field.inline_key, "use the PEM text as a string");
    if (!text) {
        return std::nullopt;
    }
    // The value is never shown, because it may be a private key.
    if (text->size() > field.max_chars) {
        reader.error(field.inline_key, "too long", std::nullopt,
                     "use at most " + std::to_string(field.max_chars) + " characters of PEM text");
        return std::nullopt;
    }
    if (!contains_pem_block(*text)) {
        reader.error(field.inline_key, "no PEM block", std::nullopt,
                     "paste the PEM text with its " + std::string(field.begin_line) + " line");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_pem_file(FieldReader& reader, const PemField& field,
                                         const std::filesystem::path& base_dir, std::string& resolved) {
    auto given = reader.scalar(field.file_key, "use a file path as a string");
    if (!given) {
        return std::nullopt;
    }
    std::filesystem::path relative_or_absolute(*given);
    std::filesystem::path path = (base_dir / relative_or_absolute).lexically_normal();
    resolved = path.string();

    FileContent content = read_file(path, field.max_chars);
    if (!content.problem.empty()) {
        std::string fix = content.fix;
        if (content.problem == "file not found" && relative_or_absolute.is_relative()) {
            fix = "check the path, which is relative to the folder of the configuration file";
        }
        reader.error(field.file_key, content.problem, path.string(), fix);
        return std::nullopt;
    }
    if (!contains_pem_block(content.data)) {
        reader.error(field.file_key, "no PEM block in file", path.string(),
                     "use a PEM file with a " + std::string(field.begin_line) + " line");
        return std::nullopt;
    }
    return std::move(content.data);
}

// Reads the PEM text of `field` from exactly one of its two keys. A missing value is
// reported only when `required`.
std::optional<std::string> read_pem(FieldReader& reader, const PemField& field, bool required,
                                    const std::filesystem::path& base_dir, std::string& resolved) {
    bool has_inline = reader.has(field.inline_key);
    bool has_file = reader.has(field.file_key);
    std::string inline_key(field.inline_key);
    std::string file_key(field.file_key);

    if (has_inline && has_file) {
        reader.error(field.file_key, "set together with " + inline_key, std::nullopt,
                     "keep only one of " + inline_key + " and " + file_key);
        return std::nullopt;
    }
    if (has_inline) {
        return read_inline_pem(reader, field);
    }
    if (has_file) {
        return read_pem_file(reader, field, base_dir, resolved);
    }
    if (required) {
        reader.error(field.inline_key, "missing required field", std::nullopt,
                     "add " + inline_key + " with the PEM text or " + file_key + " with a file path");
    }
    return std::nullopt;
}

// Returns the certificate type, server when absent, or nullopt after reporting a bad value.
std::optional<CertificateType> read_certificate_type(FieldReader& reader) {
    if (!reader.has("type")) {
        return CertificateType::Server;
    }
    auto type = reader.scalar("type", "use server or client");
    if (!type) {
        return std::nullopt;
    }
    if (*type == "server") {
        return CertificateType::Server;
    }
    if (*type == "client") {
        return CertificateType::Client;
    }
    if (*type == "server_sm") {
        reader.error("type", "not supported yet", *type, "use server or client");
    } else {
        reader.invalid("type", shorten(*type), "use server or client");
    }
    return std::nullopt;
}

std::optional<CertificateType> read_certificate(FieldReader& reader, Certificate& certificate,
                                                const std::filesystem::path& base_dir) {
    certificate.name = reader.text("name").value_or("");
    reader.text("description");
    // Server names come from the certificate itself.
    reader.ignore({"domain"});

    auto type = read_certificate_type(reader);
    certificate.type = type.value_or(CertificateType::Server);

    if (auto pem = read_pem(reader, kCertificateField, true, base_dir, certificate.certificate_path)) {
        certificate.certificate = std::move(*pem);
    }

    if (type == CertificateType::Client) {
        for (std::string_view key : {kPrivateKeyField.inline_key, kPrivateKeyField.file_key}) {
            if (reader.has(key)) {
                reader.error(key, "not allowed for type client", std::nullopt,
                             "remove it, because a bundle of CA certificates has no private key");
            }
        }
    } else if (auto key = read_pem(reader, kPrivateKeyField, type == CertificateType::Server, base_dir,
                                   certificate.private_key_path)) {
        certificate.private_key = std::move(*key);
    }
    return type;
}

}  // namespace

void read_certificates(const YAML::Node& list, LoadContext& context) {
    read_collection(list, "certificates", context, context.result.config.certificates,
                    [&context](FieldReader& reader, Certificate& certificate) {
                        auto type = read_certificate(reader, certificate, context.base_dir);
                        if (!certificate.id.empty()) {
                            context.certificate_types[certificate.id] = type;
                        }
                    });
}

}  // namespace tollgate::model
