#include "extractors/parse_guard.h"

#include <csetjmp>
#include <csignal>
#include <mutex>

namespace tincrawl {
namespace {

// Set only while this thread is inside gumbo. Trivially initialized, so reading it from the
// signal handler needs no TLS constructor.
thread_local sigjmp_buf* tls_parse_jump = nullptr;
struct sigaction g_previous_abort_action;

void OnAbort(int sig, siginfo_t* info, void* context) {
  if (sigjmp_buf* jump = tls_parse_jump; jump != nullptr) {
    tls_parse_jump = nullptr;
    siglongjmp(*jump, 1);
  }
  // Not ours: behave as if we were never installed.
  if (g_previous_abort_action.sa_flags & SA_SIGINFO) {
    if (g_previous_abort_action.sa_sigaction != nullptr) {
      g_previous_abort_action.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous_abort_action.sa_handler != SIG_DFL &&
             g_previous_abort_action.sa_handler != SIG_IGN) {
    g_previous_abort_action.sa_handler(sig);
    return;
  }
  signal(SIGABRT, SIG_DFL);
  raise(SIGABRT);
}

void InstallOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action = {};
    action.sa_sigaction = &OnAbort;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGABRT, &action, &g_previous_abort_action);
  });
}

}  // namespace

GumboOutput* ParseGumboOrNull(const GumboOptions* options, const char* buffer, size_t length) {
  InstallOnce();
  sigjmp_buf jump;
  // glibc's abort() releases its lock and resets its stage before raising SIGABRT, so jumping
  // out of the handler leaves it ready for the next call; the signal mask is restored by
  // siglongjmp (savesigs = 1).
  if (sigsetjmp(jump, 1) != 0) return nullptr;
  tls_parse_jump = &jump;
  GumboOutput* output = gumbo_parse_with_options(options, buffer, length);
  tls_parse_jump = nullptr;
  return output;
}

}  // namespace tincrawl
