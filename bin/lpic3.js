// Same launcher for scripts that call bin/lpic3.js.
import "./lpic3.cjs";
