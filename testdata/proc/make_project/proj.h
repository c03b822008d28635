#ifndef PROJ_H
#define PROJ_H
unsigned long fib(unsigned n);
void shout(const char *s, char *out);
long sum_table(void);
#endif
