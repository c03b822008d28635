/* Signal internals shared by signal/ and the signal syscalls. */
#ifndef SBX_SIGNAL_H
#define SBX_SIGNAL_H

#include "abi/linux.h"

struct task;

enum sig_default { SIG_DEFAULT_TERM, SIG_DEFAULT_CORE, SIG_DEFAULT_IGNORE, SIG_DEFAULT_STOP };

enum sig_default sig_default_action(int sig);
/* Builds the rt_sigframe for @sig on the task's stack and points the registers at the
 * handler (sigframe_amd64.c). sig_lock held. 0 or -EFAULT. */
int sig_setup_frame(struct task *t, int sig, const struct l_sigaction *act,
		    const struct l_siginfo *info);
/* The FP state a handler, or a new program, starts with: everything in its init
 * state, as an xsave area of @len bytes (the fxsave area alone for 512). */
void sig_fp_init_state(u8 *buf, u32 len);
/* sigaltstack's core, also used by rt_sigreturn. */
int sig_altstack(struct task *t, const struct l_stack *ss, struct l_stack *old);
bool sig_on_altstack(struct task *t, u64 sp);

#endif
