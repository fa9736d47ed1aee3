// The lab fleet's tests share its 3 hosts, and the flagship's need them fresh, so they run one
// after the other in this one process: first the flagship end to end, then the hosts themselves.
import './flagship-suite.ts';
import './fleet-suite.ts';
