#!/usr/bin/python3
# Validate JSON documents against a JSON Schema with Debian's
# python3-jsonschema: the draft the schema names ($schema), or Draft 7
# when it names none (KCIDB's exported schema), with format checking.
#
#   tests/validate-json.py SCHEMA FILE...
#
# Exit 0 all valid, 1 one is not (each problem printed with its JSON
# path), 4 python3-jsonschema is missing (a SKIP, not a pass).
import json
import sys

try:
    import jsonschema
except ImportError:
    print("validate-json: python3-jsonschema is not installed "
          "(apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(4)

schema = json.load(open(sys.argv[1]))
cls = (jsonschema.validators.validator_for(schema)
       if "$schema" in schema else jsonschema.Draft7Validator)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errors[:10]:
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                              for p in e.path)
        print(f"{path}: {where}: {e.message[:300]}")
    if errors:
        bad += 1
    else:
        print(f"{path}: valid ({cls.__name__})")
sys.exit(1 if bad else 0)
