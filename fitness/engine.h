// Return codes of the C fitness engines (tail_eval, sparse_eval, cnn_eval),
// read from Go by engineError.
#ifndef EVOPRUNE_ENGINE_H
#define EVOPRUNE_ENGINE_H
enum { ENGINE_OK = 0, ENGINE_ENOMEM = -1, ENGINE_EOP = -2, ENGINE_ESHAPE = -3 };
#endif
