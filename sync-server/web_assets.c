/*
 * web_assets: the files of web/ embedded in the binary at build time with
 * the assembler's .incbin (mk/web.mk makes this object depend on them), so
 * that the server needs no installed directory and works offline: the
 * page, its script, its style sheet and its translations.
 */
#include <stddef.h>
#include <string.h>

#include "web.h"

#define WEB_EMBED(sym, file)                                                            \
	__asm__(".section .rodata\n"                                                    \
		".balign 16\n"                                                          \
		".global " #sym "\n" #sym ":\n"                                         \
		".incbin \"" file "\"\n"                                                \
		".global " #sym "_end\n" #sym "_end:\n"                                 \
		".byte 0\n"                                                             \
		".previous\n")

WEB_EMBED(web_index_html, "web/index.html");
WEB_EMBED(web_app_js, "web/app.js");
WEB_EMBED(web_i18n_js, "web/i18n.js");
WEB_EMBED(web_app_css, "web/app.css");

extern const char web_index_html[], web_index_html_end[];
extern const char web_app_js[], web_app_js_end[];
extern const char web_i18n_js[], web_i18n_js_end[];
extern const char web_app_css[], web_app_css_end[];

static const struct {
	const char *name;
	const char *start, *end;
	const char *type;
} assets[] = {
	{"index.html", web_index_html, web_index_html_end, "text/html; charset=utf-8"},
	{"app.js", web_app_js, web_app_js_end, "text/javascript; charset=utf-8"},
	{"i18n.js", web_i18n_js, web_i18n_js_end, "text/javascript; charset=utf-8"},
	{"app.css", web_app_css, web_app_css_end, "text/css; charset=utf-8"},
};

const char *web_asset(const char *name, size_t *len, const char **type)
{
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
		if (!strcmp(assets[i].name, name)) {
			*len = (size_t)(assets[i].end - assets[i].start);
			*type = assets[i].type;
			return assets[i].start;
		}
	return NULL;
}
