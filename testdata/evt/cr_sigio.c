#include "../cr/cr.h"
int main(void){return 0;}
