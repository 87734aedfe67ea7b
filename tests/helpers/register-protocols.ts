import { registerProtocols } from '../../src/node/protocols';

// Every test process knows the protocols, as every transmesh process does from its start.
registerProtocols();
