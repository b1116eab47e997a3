#pragma once

// gocoro only (upstream libcoro has no such header): defines GOCORO_CORE_EXTENSIONS, the feature macro that says
// "this is gocoro's embedded core, with its extensions" (io_scheduler::poll_notify / note_drained /
// shutdown_cancel_polls, fd close serials, frame caches, resolver::cancel / set_servers, local_port, the
// servers' socket() accessors, make_socket / make_bound_socket with socket_setup and socket::release; COMPATIBILITY.md lists them). Every declaration of an extension sits under
// `#if GOCORO_CORE_EXTENSIONS`, so that:
//   - the shim (cshim/compat) picks the extension when the macro is 1 and a fallback on the public v0.14 API when
//     the headers it compiles against are a user's upstream libcoro (which never defines it);
//   - tools/external builds a stand-in for upstream from this core with -DGOCORO_CORE_EXTENSIONS=0 and installs
//     its headers with those blocks and this header's #include lines removed.
#ifndef GOCORO_CORE_EXTENSIONS
    #define GOCORO_CORE_EXTENSIONS 1
#endif
