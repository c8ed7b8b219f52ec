/*
 * curlrt: libcurl loaded at run time (see curlrt.h).
 */
#include "curlrt.h"

#include <dlfcn.h>
#include <stddef.h>

curlrt CR;

int curlrt_load(err *e)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(e, ERR_STATE, "cannot load libcurl (install the libcurl4 package): %s",
			       dlerror());
	/* POSIX allows converting dlsym's void * to a function pointer; the
	 * detour through a union keeps -Wpedantic quiet. */
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
		{"curl_easy_init", offsetof(curlrt, easy_init)},
		{"curl_easy_setopt", offsetof(curlrt, easy_setopt)},
		{"curl_easy_perform", offsetof(curlrt, easy_perform)},
		{"curl_easy_getinfo", offsetof(curlrt, easy_getinfo)},
		{"curl_easy_strerror", offsetof(curlrt, easy_strerror)},
		{"curl_easy_cleanup", offsetof(curlrt, easy_cleanup)},
		{"curl_slist_append", offsetof(curlrt, slist_append)},
		{"curl_slist_free_all", offsetof(curlrt, slist_free_all)},
		{"curl_multi_init", offsetof(curlrt, multi_init)},
		{"curl_multi_add_handle", offsetof(curlrt, multi_add_handle)},
		{"curl_multi_remove_handle", offsetof(curlrt, multi_remove_handle)},
		{"curl_multi_perform", offsetof(curlrt, multi_perform)},
		{"curl_multi_poll", offsetof(curlrt, multi_poll)},
		{"curl_multi_info_read", offsetof(curlrt, multi_info_read)},
		{"curl_multi_wakeup", offsetof(curlrt, multi_wakeup)},
		{"curl_multi_cleanup", offsetof(curlrt, multi_cleanup)},
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		void *p = dlsym(h, syms[i].name);
		if (!p) {
			dlclose(h);
			return err_set(e, ERR_STATE, "libcurl lacks %s", syms[i].name);
		}
		*(void **)((char *)&CR + syms[i].offset) = p;
	}
	lib = h;
	return 0;
}
