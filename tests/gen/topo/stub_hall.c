/* The generated stub of role server of topology Hall, compiled as it is
 * written (its main() renamed), for test_topo_stubkey.c: its handlers. */
#define main stub_hall_main
#include "sk_Hall_server.c"
#undef main

int stub_hall_main(int argc, char **argv);
const sk_Hall_server_handlers *stub_hall_handlers(void);

const sk_Hall_server_handlers *stub_hall_handlers(void)
{
    static sk_Hall_server_handlers h;
    h.on_asks = on_asks;
    return &h;
}
