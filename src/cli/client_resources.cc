#include "cli/client_common.h"

#include "client/desired_state.h"
#include "client/resource_fields.h"
#include "client/table.h"

#include <functional>
#include <iostream>
#include <map>
#include <memory>

namespace tollgate::cli {
namespace {

using client::FieldSpec;
using client::FlagType;
using client::Json;
using client::Kind;

// The state of one leaf command such as `listener update`: its flags and, after the parse,
// the values given.
struct ResourceCommand {
    Kind kind = Kind::Certificate;
    ClientFlags client;
    std::map<std::string, std::string> raw;  // API field -> the text CLI11 wrote
    std::map<std::string, CLI::Option*> options;
    std::vector<std::string> insert_headers;
    std::string target;  // the id or name of show, update and delete
    std::string pool;    // members: the id or name of their pool

    std::string singular() const { return std::string(client::info(kind).singular); }

    client::FlagValues values() const {
        client::FlagValues values;
        for (const auto& [field, option] : options) {
            if (option->count() > 0) {
                values.fields[field] = raw.at(field);
            }
        }
        values.insert_headers = insert_headers;
        return values;
    }
};

using CommandPtr = std::shared_ptr<ResourceCommand>;

std::string label_of(Kind kind, const Json& object) {
    std::string name = client::text_field(object, "name");
    if (kind == Kind::Member && name.empty()) {
        return client::member_label(client::text_field(object, "address"),
                                    static_cast<int>(client::integer_field(object, "protocol_port")));
    }
    return name.empty() ? client::text_field(object, "id") : name;
}

void print_object(const ClientFlags& flags, const Json& object) {
    if (flags.json()) {
        std::cout << object.dump(2) << "\n";
    } else {
        std::cout << client::format_object(object);
    }
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const std::string& warning : warnings) {
        std::cerr << "warning: " << warning << "\n";
    }
}

// Resolves --pool of a member command; other kinds have no parent.
core::Result<std::string> parent_pool(const ResourceCommand& command, client::NameResolver& resolver) {
    if (command.kind != Kind::Member) {
        return std::string();
    }
    return resolver.resolve(Kind::Pool, command.pool);
}

// The API session of one command, with its name resolver and the id of the parent pool
// (empty unless the kind is Member).
struct ApiContext {
    client::ApiClient& api;
    client::NameResolver& resolver;
    const std::string& pool_id;
};

// Opens the API session, resolves --pool and runs `body` with them. Prints the error and
// returns the exit code when the session or the pool fails.
int with_api(const ResourceCommand& command, const std::function<int(const ApiContext&)>& body) {
    auto opened = open_session(command.client);
    if (!opened.session) {
        return opened.exit_code;
    }
    client::ApiClient& api = *opened.session->api;
    client::NameResolver resolver(api);
    auto pool_id = parent_pool(command, resolver);
    if (!pool_id) {
        return report_error(pool_id.error().message);
    }
    return body(ApiContext{api, resolver, *pool_id});
}

int run_create(const ResourceCommand& command) {
    client::FlagValues values = command.values();
    auto fields = client::convert_flag_values(command.kind, values, nullptr);
    if (!fields) {
        return report_error(fields.error().message, kExitInvalidInput);
    }

    return with_api(command, [&](const ApiContext& context) {
        if (auto resolved = client::resolve_references(command.kind, values, context.resolver, *fields);
            !resolved) {
            return report_error(resolved.error().message);
        }

        auto saved = context.api.create(command.kind, *fields, context.pool_id);
        if (!saved) {
            return report_error(saved.error().message);
        }
        print_warnings(saved->warnings);
        print_object(command.client, saved->object);
        return 0;
    });
}

std::string update_flag_list(Kind kind) {
    std::string flags;
    for (const FieldSpec& spec : client::resource_fields(kind)) {
        if (spec.updatable) {
            flags += (flags.empty() ? "" : ", ") + spec.flags.substr(0, spec.flags.find(','));
        }
    }
    return flags;
}

int run_update(const ResourceCommand& command) {
    client::FlagValues values = command.values();
    if (values.fields.empty() && values.insert_headers.empty()) {
        return report_error("nothing to update: give at least one of " + update_flag_list(command.kind),
                            kExitInvalidInput);
    }
    // Check the files and the syntax before any call; insert_headers are merged below.
    if (auto checked = client::convert_flag_values(command.kind, values, nullptr); !checked) {
        return report_error(checked.error().message, kExitInvalidInput);
    }

    return with_api(command, [&](const ApiContext& context) {
        auto stored = context.resolver.find(command.kind, command.target, context.pool_id);
        if (!stored) {
            return report_error(stored.error().message);
        }

        auto fields = client::convert_flag_values(command.kind, values, &*stored);
        if (!fields) {
            return report_error(fields.error().message, kExitInvalidInput);
        }
        if (auto resolved = client::resolve_references(command.kind, values, context.resolver, *fields);
            !resolved) {
            return report_error(resolved.error().message);
        }

        auto saved =
            context.api.update(command.kind, client::text_field(*stored, "id"), *fields, context.pool_id);
        if (!saved) {
            return report_error(saved.error().message);
        }
        print_warnings(saved->warnings);
        print_object(command.client, saved->object);
        return 0;
    });
}

int run_show(const ResourceCommand& command) {
    return with_api(command, [&](const ApiContext& context) {
        auto id = context.resolver.resolve(command.kind, command.target, context.pool_id);
        if (!id) {
            return report_error(id.error().message);
        }
        auto object = context.api.get(command.kind, *id, context.pool_id);
        if (!object) {
            return report_error(object.error().message);
        }
        print_object(command.client, *object);
        return 0;
    });
}

int run_list(const ResourceCommand& command) {
    return with_api(command, [&](const ApiContext& context) {
        auto objects = context.api.list(command.kind, context.pool_id);
        if (!objects) {
            return report_error(objects.error().message);
        }
        if (command.client.json()) {
            std::cout << Json(*objects).dump(2) << "\n";
        } else {
            std::cout << client::format_list(command.kind, *objects);
        }
        return 0;
    });
}

int run_delete(const ResourceCommand& command) {
    return with_api(command, [&](const ApiContext& context) {
        auto stored = context.resolver.find(command.kind, command.target, context.pool_id);
        if (!stored) {
            return report_error(stored.error().message);
        }
        std::string id = client::text_field(*stored, "id");
        if (auto removed = context.api.remove(command.kind, id, context.pool_id); !removed) {
            return report_error(removed.error().message);
        }
        if (!command.client.json()) {
            std::cout << "deleted " << command.singular() << " " << label_of(command.kind, *stored) << " (id "
                      << id << ")\n";
        }
        return 0;
    });
}

CommandPtr new_command(Kind kind) {
    auto command = std::make_shared<ResourceCommand>();
    command->kind = kind;
    return command;
}

void add_pool_flag(CLI::App& leaf, ResourceCommand& command) {
    if (command.kind == Kind::Member) {
        leaf.add_option("--pool", command.pool, "Pool of the members (id or name)")->required();
    }
}

void add_target(CLI::App& leaf, ResourceCommand& command) {
    std::string what = command.kind == Kind::Member ? "id, name or ADDRESS:PORT" : "id or name";
    leaf.add_option(command.singular(), command.target, "The " + command.singular() + " (" + what + ")")
        ->required()
        ->type_name("");
}

std::string type_name(FlagType type) {
    switch (type) {
        case FlagType::Integer:
            return "INT";
        case FlagType::Boolean:
            return "BOOL";
        case FlagType::Reference:
            return "ID|NAME";
        case FlagType::PemFile:
            return "FILE";
        case FlagType::Text:
        case FlagType::InsertHeaders:
            break;
    }
    return "TEXT";
}

// Adds one flag per field. `creating` selects the create form: required fields are
// required there, and update leaves out the fields it cannot change.
void add_field_flags(CLI::App& leaf, ResourceCommand& command, bool creating) {
    for (const FieldSpec& spec : client::resource_fields(command.kind)) {
        if ((creating && !spec.creatable) || (!creating && !spec.updatable)) {
            continue;
        }
        std::string help = spec.help;
        if (!creating && spec.type == FlagType::Reference) {
            help += "; an empty value clears it";
        }
        if (spec.type == FlagType::InsertHeaders) {
            // One value per flag, so that a header cannot swallow the positional argument.
            leaf.add_option(spec.flags, command.insert_headers, help)
                ->type_name("NAME=VALUE")
                ->allow_extra_args(false);
            continue;
        }
        CLI::Option* option = leaf.add_option(spec.flags, command.raw[spec.field], help);
        if (!spec.choices.empty()) {
            option->check(CLI::IsMember(spec.choices));
        }
        option->type_name(type_name(spec.type));
        if (creating && spec.required_on_create) {
            option->required();
        }
        command.options[spec.field] = option;
    }
}

enum class Form { Create, List, Show, Update, Delete };

void add_leaf(CLI::App& group, Kind kind, Form form, const std::string& name,
              const std::string& description) {
    auto command = new_command(kind);
    auto* leaf = group.add_subcommand(name, description);
    if (form == Form::Show || form == Form::Update || form == Form::Delete) {
        add_target(*leaf, *command);
    }
    add_pool_flag(*leaf, *command);
    if (form == Form::Create || form == Form::Update) {
        add_field_flags(*leaf, *command, form == Form::Create);
    }
    add_client_flags(*leaf, command->client);

    int (*run)(const ResourceCommand&) = nullptr;
    switch (form) {
        case Form::Create:
            run = run_create;
            break;
        case Form::List:
            run = run_list;
            break;
        case Form::Show:
            run = run_show;
            break;
        case Form::Update:
            run = run_update;
            break;
        case Form::Delete:
            run = run_delete;
            break;
    }
    leaf->callback(command_callback([command, run] { return run(*command); }));
}

void add_kind_commands(CLI::App& app, Kind kind, const std::string& description) {
    const std::string singular(client::info(kind).singular);
    const bool member = kind == Kind::Member;
    auto* group = app.add_subcommand(singular, description);
    group->require_subcommand(1);
    add_leaf(*group, kind, Form::Create, member ? "add" : "create", "Create a " + singular);
    add_leaf(*group, kind, Form::List, "list", "List the " + std::string(client::info(kind).plural));
    add_leaf(*group, kind, Form::Show, "show", "Show every field of a " + singular);
    add_leaf(*group, kind, Form::Update, "update", "Change fields of a " + singular);
    add_leaf(*group, kind, Form::Delete, member ? "remove" : "delete", "Delete a " + singular);
}

}  // namespace

void add_resource_commands(CLI::App& app) {
    add_kind_commands(app, Kind::Certificate, "Manage server certificates and client CA certificates");
    add_kind_commands(app, Kind::LoadBalancer, "Manage load balancers, the addresses that listeners bind");
    add_kind_commands(app, Kind::Listener, "Manage listeners, the ports that accept client connections");
    add_kind_commands(app, Kind::Pool, "Manage pools of backend servers");
    add_kind_commands(app, Kind::Member, "Manage the members (backend servers) of a pool");
    add_kind_commands(app, Kind::HealthMonitor, "Manage the health monitors of pools");
}

}  // namespace tollgate::cli
