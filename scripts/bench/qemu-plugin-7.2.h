/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What urn-insn-count.c uses of QEMU's TCG plugin API, declared as QEMU
 * v7.2's include/qemu/qemu-plugin.h declares it (GPL-2.0-or-later): plugin
 * API version 1 (QEMU_PLUGIN_VERSION 1; QEMU 7.2 loads versions 0 to 1).
 *
 * Declared here because Debian, whose qemu-system-x86 7.2 the bench runs
 * and which exports these functions, packages no qemu-plugin.h.  The API
 * is stable within a version: a plugin declares the version it was built
 * for, and QEMU refuses one outside the range it supports.  QEMU 9.0 (API
 * version 2) dropped version 1 and changed qemu_plugin_insn_data(): there,
 * build against QEMU's own header.
 *
 * struct qemu_info is QEMU's qemu_info_t, of the same layout (only the
 * name of the type differs, which the ABI does not see).
 */
#ifndef URN_QEMU_PLUGIN_7_2_H
#define URN_QEMU_PLUGIN_7_2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

struct qemu_info {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
};

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

/* Implemented by QEMU. */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

/* Implemented by the plugin. */
QEMU_PLUGIN_EXPORT extern int qemu_plugin_version;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const struct qemu_info *info,
					   int argc, char **argv);

#endif /* URN_QEMU_PLUGIN_7_2_H */
