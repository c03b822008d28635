/* Save and load of signal state that the generated codecs cannot describe: siginfo
 * is a tagless union, saved as its 128 bytes. */
#include "abi/linux.h"
#include "st.h"

int l_siginfo_save(struct st_enc *e, void *p)
{
	return st_put_bin(e, p, sizeof(struct l_siginfo));
}

int l_siginfo_load(struct st_dec *d, void *p)
{
	return st_get_bin_into(d, p, sizeof(struct l_siginfo));
}
