/* Test-only stand-in for bcryptprimitives.dll under Debian 12's Wine 8, which has no such DLL:
 * Rust's std (1.78+) imports ProcessPrng from it for HashMap keys and random numbers, so the
 * .exe does not start at all there. Windows 10/11 have the real DLL; this file is never put in
 * the installer. test-under-wine.sh builds it with mingw and puts it beside the installed exe.
 * ProcessPrng is documented to always succeed; RtlGenRandom (advapi32's SystemFunction036,
 * which Wine has) gives the same kind of bytes. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
