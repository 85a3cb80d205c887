# libFuzzer target for the scenario parser (included from the Makefile).
#
#   make fuzz                 build and fuzz for FUZZ_TIME seconds (60)
#   make fuzz FUZZ_TIME=3600  longer
#
# Needs clang (libFuzzer ships with it). Seeds are the shipped scenarios;
# the corpus grows in build/fuzz/corpus, crashes land in build/fuzz/.

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_scenario
FUZZ_SRC := tests/fuzz/fuzz_scenario.c harness/scenario.c harness/inject.c \
	harness/knobs.c harness/vocab.c harness/util.c
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer

.PHONY: fuzz fuzz-bin

fuzz-bin: $(FUZZ_BIN)

$(FUZZ_BIN): $(FUZZ_SRC) harness/scenario.h harness/util.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iharness \
		$(FUZZ_FLAGS) $(shell pkg-config --cflags inih jansson) -o $@ \
		$(FUZZ_SRC) $(shell pkg-config --libs inih jansson libcrypto) -lm

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus
	$(Q)cp -n scenarios/*.ini $(FUZZ_DIR)/corpus/ 2>/dev/null || true
	$(Q)cd $(FUZZ_DIR) && ./fuzz_scenario -max_total_time=$(FUZZ_TIME) \
		-max_len=8192 corpus 2>&1 | tail -5
