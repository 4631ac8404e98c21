// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linked into 6.12's own iommufd selftests (--wrap=alarm): the kselftest
 * harness gives each test 30 s (TEST_TIMEOUT_DEFAULT, alarm()), set for
 * real hardware.  Under QEMU's TCG, on the test kernel with lockdep and
 * KASAN, iommufd_fail_nth's map_domain and map_two_domains need more
 * (each of their thousands of injected failures is a full setup and
 * teardown), and some of iommufd's need more on a slow host.
 * IFB_HARNESS_TIMEOUT_SCALE=N multiplies the limit, as
 * upstream's runner does with run_kselftest.sh --override-timeout; the
 * tests themselves are unchanged.
 */
#include <stdlib.h>
#include <unistd.h>

unsigned int __real_alarm(unsigned int seconds);
unsigned int __wrap_alarm(unsigned int seconds);

unsigned int __wrap_alarm(unsigned int seconds)
{
	const char *s = getenv("IFB_HARNESS_TIMEOUT_SCALE");
	unsigned long scale = s ? strtoul(s, NULL, 10) : 1;

	if (seconds && scale > 1 && scale < 1000)
		seconds *= scale;
	return __real_alarm(seconds);
}
