// A help request's public post as it is now (state, who took and closed it, the buttons that still
// apply), for the first post and for every edit of it after take, done or cancel (ask.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "commands/commands.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// "ask:<id>": the tag of a request's post, which its later edits replace.
std::string ask_tag(std::uint64_t id);

// The post of `a` in its channel, tagged with ask_tag(a.id), buttons only while they apply (open:
// take, done, cancel; taken: done, cancel; closed: none). `e` is the command that brought it to
// this state (its user closed it, its platform's prefix goes in the typed hints); an edit of an
// earlier post has `replaces` set to the tag.
core::Reply ask_post(const core::Event& e, store::Writer& store, const Context& ctx, const store::Ask& a,
                     bool edit);

}  // namespace brigade::commands
