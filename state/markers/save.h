/*
 * Save markers: empty macros that the C compiler ignores and the codec generator
 * (state/gen/) reads. A kernel object says what of it is saved where it is defined,
 * after gVisor's "+stateify savable". See state/README.md for the full language.
 *
 *   SAVABLE struct pipe {
 *           struct ref ref;
 *           struct waitq waitq SAVE_SKIP;   // rebuilt empty on load
 *           u8 *data SAVE_LEN(cap);         // buffer of cap bytes
 *           u64 cap;
 *   };
 *
 * This header includes nothing and may be included from any module.
 */
#ifndef SBX_STATE_SAVE_H
#define SBX_STATE_SAVE_H

#define SAVABLE                 /* the struct that follows gets generated codecs */
#define SAVE_SKIP               /* field not saved; a comment says how it is rebuilt */
#define SAVE_LEN(field)         /* pointer to field elements (or bytes) */
#define SAVE_COUNT(field)       /* dynamic array of savable structs, field elements */
#define SAVE_LIST(type, member) /* intrusive list head of type linked through member */
#define SAVE_TREE(type, member) /* intrusive tree root of type linked through member */
#define SAVE_UNION(tag)         /* union selected by the value of tag */
#define SAVE_CASE(value)        /* inside a SAVE_UNION: member used when tag == value */
#define SAVE_CUSTOM             /* hand-written <type>_save_<field>/<type>_load_<field> */
#define SAVE_WAIT               /* after-load hook of this object waits on this field's */
#define SAVE_DEFAULT(value)     /* value taken when an older image lacks the field */
#define SAVE_POLY               /* pointer to a base struct; saved as (concrete type, id) */
#define SAVE_POLY_KEY           /* in a base struct: the field (ops pointer or tag) that
				   names the concrete type; set on load, never saved */
#define SAVE_BASE(key)          /* in a derived struct: the embedded base, and the value
				   its SAVE_POLY_KEY field has for this derived type */
#define SAVE_STR                /* char pointer to a NUL-terminated string (or NULL) */

#endif
