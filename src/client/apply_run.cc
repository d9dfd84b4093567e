#include "client/apply_run.h"

namespace tollgate::client {
namespace {

struct Counts {
    int created = 0;
    int updated = 0;
    int unchanged = 0;
    int deleted = 0;

    int changes() const { return created + updated + deleted; }
};

std::string join(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) {
        text += (text.empty() ? "" : ", ") + word;
    }
    return text;
}

core::Error with_context(core::Error error, const std::string& context) {
    // Connection failure messages already name the API address and the failed step.
    if (error.kind != core::ErrorKind::Io && error.kind != core::ErrorKind::Timeout) {
        error.message = context + ": " + error.message;
    }
    return error;
}

class Executor {
public:
    Executor(ApiClient& api, const Plan& plan, bool dry_run, std::ostream& out, std::ostream& err)
        : api_(api), plan_(plan), dry_run_(dry_run), out_(out), err_(err), ids_(plan.matched_ids) {}

    int run() {
        for (const Action& action : plan_.actions) {
            if (auto done = run_action(action); !done) {
                err_ << "error: " << done.error().message << "\n";
                if (counts_.changes() == 0) {
                    err_ << "apply stopped; nothing was changed\n";
                } else {
                    err_ << "apply stopped; the " << counts_.changes()
                         << (counts_.changes() == 1 ? " change" : " changes")
                         << " before this error stay applied\n";
                }
                return 1;
            }
        }
        print_summary();
        return 0;
    }

private:
    core::Result<void> run_action(const Action& action) {
        std::string subject = describe_action(action);
        switch (action.type) {
            case ActionType::Unchanged:
                ++counts_.unchanged;
                out_ << "unchanged " << subject << "\n";
                return {};
            case ActionType::Create:
                return create(action, subject);
            case ActionType::Update:
                return update(action, subject);
            case ActionType::Delete:
                return remove(action, subject);
        }
        return {};
    }

    core::Result<Json> body_of(const Action& action) const {
        Json body = action.fields;
        for (const auto& [field, reference] : action.references) {
            auto id = ids_.find({reference.kind, reference.file_id});
            if (id == ids_.end()) {
                return core::Error::internal("no API id for " + std::string(info(reference.kind).singular) +
                                             " " + reference.file_id + " of the file, which " + field +
                                             " names");
            }
            body[field] = id->second;
        }
        return json_result(std::move(body));
    }

    std::string pool_id_of(const Action& action) const {
        if (!action.stored_pool_id.empty()) {
            return action.stored_pool_id;
        }
        auto pool = ids_.find({Kind::Pool, action.pool_file_id});
        return pool == ids_.end() ? std::string() : pool->second;
    }

    void print_warnings(const std::string& subject, const std::vector<std::string>& warnings) {
        for (const std::string& warning : warnings) {
            err_ << "warning: " << subject << ": " << warning << "\n";
        }
    }

    core::Result<void> create(const Action& action, const std::string& subject) {
        ++counts_.created;
        if (dry_run_) {
            out_ << "would create " << subject << "\n";
            return {};
        }
        auto body = body_of(action);
        if (!body) {
            return body.error();
        }
        auto saved = api_.create(action.kind, *body, pool_id_of(action));
        if (!saved) {
            --counts_.created;
            return with_context(saved.error(), "cannot create " + subject);
        }
        std::string id = text_field(saved->object, "id");
        ids_[{action.kind, action.file_id}] = id;
        out_ << "created " << subject << " (id " << id << ")\n";
        print_warnings(subject, saved->warnings);
        return {};
    }

    core::Result<void> update(const Action& action, const std::string& subject) {
        ++counts_.updated;
        if (dry_run_) {
            out_ << "would update " << subject << ": " << join(action.changed) << "\n";
            return {};
        }
        auto body = body_of(action);
        if (!body) {
            return body.error();
        }
        auto saved = api_.update(action.kind, action.stored_id, *body, pool_id_of(action));
        if (!saved) {
            --counts_.updated;
            return with_context(saved.error(), "cannot update " + subject);
        }
        out_ << "updated " << subject << ": " << join(action.changed) << "\n";
        print_warnings(subject, saved->warnings);
        return {};
    }

    core::Result<void> remove(const Action& action, const std::string& subject) {
        ++counts_.deleted;
        if (dry_run_) {
            out_ << "would delete " << subject << " (id " << action.stored_id << ")\n";
            return {};
        }
        auto removed = api_.remove(action.kind, action.stored_id, action.stored_pool_id);
        if (!removed && removed.error().kind == core::ErrorKind::NotFound) {
            out_ << "deleted " << subject << " (id " << action.stored_id << ", already gone)\n";
            return {};
        }
        if (!removed) {
            --counts_.deleted;
            return with_context(removed.error(),
                                "cannot delete " + subject + " (id " + action.stored_id + ")");
        }
        out_ << "deleted " << subject << " (id " << action.stored_id << ")\n";
        return {};
    }

    void print_summary() {
        std::string unchanged = std::to_string(counts_.unchanged) + " unchanged";
        if (counts_.changes() == 0) {
            out_ << "no changes; " << unchanged << "\n";
        } else if (dry_run_) {
            out_ << "dry run: " << counts_.created << " to create, " << counts_.updated << " to update, "
                 << counts_.deleted << " to delete, " << unchanged << "; nothing was changed\n";
        } else {
            out_ << "applied: " << counts_.created << " created, " << counts_.updated << " updated, "
                 << counts_.deleted << " deleted, " << unchanged << "\n";
        }
    }

    ApiClient& api_;
    const Plan& plan_;
    bool dry_run_;
    std::ostream& out_;
    std::ostream& err_;
    std::map<ResourceKey, std::string> ids_;
    Counts counts_;
};

}  // namespace

core::Result<StoredState> read_stored_state(ApiClient& api) {
    StoredState state;
    for (Kind kind : kApplyOrder) {
        if (kind == Kind::Member) {
            continue;
        }
        auto objects = api.list(kind);
        if (!objects) {
            return with_context(objects.error(), "cannot list the stored " + std::string(info(kind).plural));
        }
        state.objects[kind] = std::move(*objects);
    }
    for (const Json& pool : state.objects[Kind::Pool]) {
        std::string id = text_field(pool, "id");
        auto members = api.list(Kind::Member, id);
        if (!members) {
            return with_context(members.error(), "cannot list the members of pool " + id);
        }
        state.members[id] = std::move(*members);
    }
    return state;
}

int run_apply(ApiClient& api, const DesiredState& desired, const ApplyOptions& options, std::ostream& out,
              std::ostream& err) {
    auto stored = read_stored_state(api);
    if (!stored) {
        err << "error: " << stored.error().message << "\n";
        return 1;
    }
    Plan plan = plan_apply(desired, *stored, options.prune);
    if (!plan.errors.empty()) {
        for (const std::string& error : plan.errors) {
            err << "error: " << error << "\n";
        }
        err << "apply stopped; nothing was changed\n";
        return 1;
    }
    return Executor(api, plan, options.dry_run, out, err).run();
}

}  // namespace tollgate::client
