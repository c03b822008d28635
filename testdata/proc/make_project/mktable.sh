# Generates table.h: the first N squares.
n=$1
echo "static const long table[] = {"
i=1
while [ "$i" -le "$n" ]; do
	echo "	$((i * i)),"
	i=$((i + 1))
done
echo "};"
