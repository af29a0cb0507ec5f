/* Test-only helper for test-under-wine.sh: prints the console's output code page, to show that
 * cwr-station.exe, run in the same console before it, set it to 65001 (UTF-8). */
#include <windows.h>
#include <stdio.h>

int main(void)
{
    printf("%u\n", GetConsoleOutputCP());
    return 0;
}
