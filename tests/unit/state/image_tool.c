/* "state_image_tool inspect IMAGE ...": cli/cmd_image.c without the rest of sbx. */
int cmd_image(int argc, char **argv);

int main(int argc, char **argv)
{
	return cmd_image(argc, argv);
}
