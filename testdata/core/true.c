/* true: does nothing and exits 0. Used to measure start-to-exit time of a sandbox and to
 * check that a program with no output at all runs. */
int main(void)
{
	return 0;
}
