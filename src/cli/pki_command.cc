#include "cli/pki_command.h"

#include "cli/client_common.h"
#include "cli/pki_output.h"
#include "pki/certificate.h"
#include "pki/issuance.h"
#include "pki/password.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace tollgate::cli {
namespace {

// Validity above which Apple platforms reject a TLS server certificate, whatever its CA.
constexpr int kAppleMaxServerDays = 825;

// Options shared by the subcommands that issue certificates.
struct IssueFlags {
    std::string key_type = "ec";
    int rsa_bits = 2048;
    std::string curve = "P-256";
    int days = 0;
    bool force = false;

    CLI::Option* rsa_bits_option = nullptr;
    CLI::Option* curve_option = nullptr;
    CLI::Option* days_option = nullptr;

    std::optional<int> given_days() const {
        return days_option->count() > 0 ? std::optional<int>(days) : std::nullopt;
    }
};

struct PkiArguments {
    IssueFlags issue;
    std::string out;
    std::string ca;
    std::string common_name;
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    // p12
    std::string certificate_file;
    std::string key_file;
    std::string ca_file;
    std::string password_file;
};
using ArgumentsPtr = std::shared_ptr<PkiArguments>;

int exit_code_of(const core::Error& error) {
    return error.kind == core::ErrorKind::InvalidInput ? kExitInvalidInput : kExitFailed;
}

core::Result<pki::KeySpec> key_spec(const IssueFlags& flags) {
    pki::KeySpec spec;
    auto type = pki::parse_key_type(flags.key_type);
    if (!type) {
        return type.error();
    }
    spec.type = *type;
    if (spec.type == pki::KeyType::Ec && flags.rsa_bits_option->count() > 0) {
        return core::Error::invalid("--rsa-bits applies to --key-type rsa only");
    }
    if (spec.type == pki::KeyType::Rsa && flags.curve_option->count() > 0) {
        return core::Error::invalid("--curve applies to --key-type ec only");
    }
    auto curve = pki::parse_curve(flags.curve);
    if (!curve) {
        return curve.error();
    }
    spec.curve = *curve;
    spec.rsa_bits = flags.rsa_bits;
    return spec;
}

// Builds the request of `pki server` or `pki client` from their flags. A client command
// leaves dns_names and ip_addresses empty, because it has no such flags.
core::Result<pki::LeafRequest> leaf_request(const PkiArguments& arguments) {
    auto key = key_spec(arguments.issue);
    if (!key) {
        return key.error();
    }
    pki::LeafRequest request;
    request.ca_dir = arguments.ca;
    request.out_dir = arguments.out;
    request.common_name = arguments.common_name;
    request.dns_names = arguments.dns_names;
    request.ip_addresses = arguments.ip_addresses;
    request.key = *key;
    request.days = arguments.issue.given_days();
    request.force = arguments.issue.force;
    return request;
}

void warn_about_server_days(int days) {
    if (days > kAppleMaxServerDays) {
        std::cerr << fmt::format(
            "warning: Apple platforms (iOS 13, macOS 10.15 and later) reject TLS server certificates valid "
            "for "
            "more than {} days; this one is valid for {}\n",
            kAppleMaxServerDays, days);
    }
}

// Returns the .p12 password from --password-file or TOLLGATE_P12_PASSWORD, or nothing.
core::Result<std::optional<std::string>> given_password(const PkiArguments& arguments) {
    if (!arguments.password_file.empty()) {
        auto password = pki::read_password_file(arguments.password_file);
        if (!password) {
            return password.error();
        }
        return std::optional<std::string>(std::move(*password));
    }
    return pki::password_from_environment();
}

void add_issue_flags(CLI::App& command, IssueFlags& flags, std::string_view days_help) {
    command.add_option("--key-type", flags.key_type, "Key algorithm: ec (ECDSA) or rsa")
        ->check(CLI::IsMember({"ec", "rsa"}))
        ->capture_default_str();
    flags.rsa_bits_option = command.add_option("--rsa-bits", flags.rsa_bits, "RSA key size in bits")
                                ->check(CLI::IsMember({2048, 3072, 4096}))
                                ->capture_default_str();
    flags.curve_option = command
                             .add_option("--curve", flags.curve,
                                         "Curve of an EC key; P-384 certificates are signed with SHA-384")
                             ->check(CLI::IsMember({"P-256", "P-384"}))
                             ->capture_default_str();
    flags.days_option = command.add_option("--days", flags.days, std::string(days_help))
                            ->check(CLI::Range(1, pki::kMaxValidityDays));
    command.add_flag("--force", flags.force, "Replace output files that exist");
}

void add_ca_command(CLI::App& pki_command) {
    auto arguments = std::make_shared<PkiArguments>();
    arguments->common_name = pki::kDefaultCaCommonName;
    auto* command = pki_command.add_subcommand("ca", "Create a self-signed CA: DIR/ca.crt and DIR/ca.key");
    command->add_option("--out", arguments->out, "Directory for ca.crt and ca.key, created when missing")
        ->required();
    command->add_option("--cn", arguments->common_name, "Common name of the CA")->capture_default_str();
    add_issue_flags(*command, arguments->issue,
                    fmt::format("Validity in days [default: {}]", pki::kDefaultCaDays));

    command->callback(command_callback([arguments] {
        auto key = key_spec(arguments->issue);
        if (!key) {
            return report_error(key.error().message, exit_code_of(key.error()));
        }
        pki::CaRequest request;
        request.out_dir = arguments->out;
        request.common_name = arguments->common_name;
        request.key = *key;
        request.days = arguments->issue.given_days().value_or(pki::kDefaultCaDays);
        request.force = arguments->issue.force;
        auto created = pki::create_ca(request);
        if (!created) {
            return report_error(created.error().message, exit_code_of(created.error()));
        }
        print_ca_result(std::cout, *created);
        return 0;
    }));
}

void add_leaf_options(CLI::App& command, PkiArguments& arguments, std::string_view stem) {
    command.add_option("--ca", arguments.ca, "Directory of the issuing CA's ca.crt and ca.key")->required();
    command
        .add_option("--out", arguments.out,
                    fmt::format("Directory for {0}.crt and {0}.key, created when missing", stem))
        ->required();
}

void add_server_command(CLI::App& pki_command) {
    auto arguments = std::make_shared<PkiArguments>();
    auto* command = pki_command.add_subcommand(
        "server",
        "Issue a server certificate (serverAuth, subjectAltName): DIR/server.crt and DIR/server.key");
    add_leaf_options(*command, *arguments, "server");
    command->add_option("--dns", arguments->dns_names, "DNS name for the subjectAltName; repeat for more");
    command->add_option("--ip", arguments->ip_addresses,
                        "IP address for the subjectAltName; repeat for more");
    command->add_option("--cn", arguments->common_name, "Common name [default: the first --dns or --ip]");
    add_issue_flags(*command, arguments->issue,
                    fmt::format("Validity in days [default: {}, within the 398 days that browsers allow]",
                                pki::kDefaultServerDays));

    command->callback(command_callback([arguments] {
        auto request = leaf_request(*arguments);
        if (!request) {
            return report_error(request.error().message, exit_code_of(request.error()));
        }
        auto issued = pki::create_server_certificate(*request);
        if (!issued) {
            return report_error(issued.error().message, exit_code_of(issued.error()));
        }
        warn_about_server_days(request->days.value_or(pki::kDefaultServerDays));
        print_server_result(std::cout, *issued, request->ca_dir);
        return 0;
    }));
}

void add_client_command(CLI::App& pki_command) {
    auto arguments = std::make_shared<PkiArguments>();
    auto* command = pki_command.add_subcommand(
        "client", "Issue a client certificate (clientAuth): DIR/client.crt and DIR/client.key");
    add_leaf_options(*command, *arguments, "client");
    command
        ->add_option("--cn", arguments->common_name, "Common name, which identifies the client to backends")
        ->required();
    add_issue_flags(*command, arguments->issue,
                    fmt::format("Validity in days [default: {}]", pki::kDefaultClientDays));

    command->callback(command_callback([arguments] {
        auto request = leaf_request(*arguments);
        if (!request) {
            return report_error(request.error().message, exit_code_of(request.error()));
        }
        auto issued = pki::create_client_certificate(*request);
        if (!issued) {
            return report_error(issued.error().message, exit_code_of(issued.error()));
        }
        print_client_result(std::cout, *issued, request->ca_dir);
        return 0;
    }));
}

void add_password_file_option(CLI::App& command, PkiArguments& arguments, std::string_view without) {
    command.add_option("--password-file", arguments.password_file,
                       fmt::format("File whose first line is the .p12 password [default: ${}, else {}]",
                                   pki::kPasswordVariable, without));
}

void add_p12_command(CLI::App& pki_command) {
    auto arguments = std::make_shared<PkiArguments>();
    auto* command = pki_command.add_subcommand(
        "p12", "Bundle a certificate and its key as a password-protected .p12 (PKCS#12) file for browsers");
    command->add_option("--cert", arguments->certificate_file, "Certificate (PEM)")->required();
    command->add_option("--key", arguments->key_file, "Its private key (PEM)")->required();
    command->add_option("--ca", arguments->ca_file, "CA certificates (PEM) to add to the bundle");
    command->add_option("--out", arguments->out, "The .p12 file to write")->required();
    add_password_file_option(*command, *arguments, "asked twice on the terminal");
    command->add_flag("--force", arguments->issue.force, "Replace the output file if it exists");

    command->callback(command_callback([arguments] {
        auto password = given_password(*arguments);
        if (!password) {
            return report_error(password.error().message, exit_code_of(password.error()));
        }
        if (!*password) {
            auto prompted = pki::prompt_new_password();
            if (!prompted) {
                return report_error(prompted.error().message, exit_code_of(prompted.error()));
            }
            *password = std::move(*prompted);
        }
        pki::Pkcs12Request request;
        request.certificate_file = arguments->certificate_file;
        request.key_file = arguments->key_file;
        request.ca_file = arguments->ca_file;
        request.out_file = arguments->out;
        request.password = std::move(**password);
        request.force = arguments->issue.force;
        auto written = pki::create_pkcs12_file(request);
        if (!written) {
            return report_error(written.error().message, exit_code_of(written.error()));
        }
        print_pkcs12_result(std::cout, *written);
        return 0;
    }));
}

void add_quickstart_command(CLI::App& pki_command) {
    auto arguments = std::make_shared<PkiArguments>();
    auto* command = pki_command.add_subcommand(
        "quickstart",
        "Create a CA, a server certificate, a client certificate and its .p12 in DIR/ca, "
        "DIR/server and DIR/client");
    command
        ->add_option("--out", arguments->out, "Directory for ca/, server/ and client/, created when missing")
        ->required();
    command->add_option(
        "--dns", arguments->dns_names,
        fmt::format("DNS name of the server certificate; repeat for more [default: {} and --ip {}]",
                    pki::kQuickstartDnsName, pki::kQuickstartIpAddress));
    command->add_option("--ip", arguments->ip_addresses,
                        "IP address of the server certificate; repeat for more");
    add_password_file_option(*command, *arguments, "generated and written to DIR/client/client.p12.password");
    add_issue_flags(
        *command, arguments->issue,
        fmt::format("Validity in days of all three certificates [default: CA {}, server {}, client {}]",
                    pki::kDefaultCaDays, pki::kDefaultServerDays, pki::kDefaultClientDays));

    command->callback(command_callback([arguments] {
        auto key = key_spec(arguments->issue);
        if (!key) {
            return report_error(key.error().message, exit_code_of(key.error()));
        }
        auto password = given_password(*arguments);
        if (!password) {
            return report_error(password.error().message, exit_code_of(password.error()));
        }
        pki::QuickstartRequest request;
        request.out_dir = arguments->out;
        request.dns_names = arguments->dns_names;
        request.ip_addresses = arguments->ip_addresses;
        request.key = *key;
        request.days = arguments->issue.given_days();
        request.password = std::move(*password);
        request.force = arguments->issue.force;
        auto created = pki::run_quickstart(request);
        if (!created) {
            return report_error(created.error().message, exit_code_of(created.error()));
        }
        warn_about_server_days(request.days.value_or(pki::kDefaultServerDays));
        print_quickstart_result(std::cout, *created);
        return 0;
    }));
}

}  // namespace

void add_pki_command(CLI::App& app) {
    auto* pki_command = app.add_subcommand(
        "pki", "Issue a CA, server and client certificates and .p12 bundles for mutual TLS, with OpenSSL");
    pki_command->require_subcommand(1);
    add_ca_command(*pki_command);
    add_server_command(*pki_command);
    add_client_command(*pki_command);
    add_p12_command(*pki_command);
    add_quickstart_command(*pki_command);
}

}  // namespace tollgate::cli
