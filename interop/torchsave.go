package interop

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/evoprune/evoprune/model"
)

// WriteStateDict writes ps as a PyTorch state_dict in torch.save's zip
// format (pickle protocol 2, one storage record per tensor, data aligned
// to 64 bytes as PyTorch writes it). Batch-norm layers also get the
// num_batches_tracked buffer torch.nn.BatchNorm* expects.
func WriteStateDict(path string, ps []model.HostParam) error {
	var p pickler
	p.proto()
	p.global("collections", "OrderedDict")
	p.op(')', 'R') // EMPTY_TUPLE, REDUCE
	p.op('(')      // MARK
	type record struct {
		key  string
		data []byte
	}
	var records []record
	for _, t := range ps {
		key := strconv.Itoa(len(records))
		records = append(records, record{key, appendFloats(nil, t.Data)})
		p.str(t.Name)
		p.tensor("FloatStorage", key, int64(len(t.Data)), t.Shape)
		if bn, ok := strings.CutSuffix(t.Name, ".running_var"); ok {
			key := strconv.Itoa(len(records))
			records = append(records, record{key, make([]byte, 8)})
			p.str(bn + ".num_batches_tracked")
			p.tensor("LongStorage", key, 1, nil)
		}
	}
	p.op('u', '.') // SETITEMS, STOP

	var buf bytes.Buffer
	cw := &countingWriter{w: &buf}
	z := zip.NewWriter(cw)
	put := func(name string, data []byte) error {
		h := &zip.FileHeader{Name: "archive/" + name, Method: zip.Store,
			CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))}
		// Pad the local header's extra field so the data starts on a 64-byte
		// boundary (30 bytes of fixed header, the name, 4 bytes of field header).
		if err := z.Flush(); err != nil { // the zip writer buffers: count what is out
			return err
		}
		pad := (64 - (cw.n+30+int64(len(h.Name))+4)%64) % 64
		h.Extra = append([]byte{'F', 'B', byte(pad), byte(pad >> 8)}, make([]byte, pad)...)
		w, err := z.CreateRaw(h)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if err := put("data.pkl", p.b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for _, r := range records {
		if err := put("data/"+r.key, r.data); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := put("version", []byte("3\n")); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeFile(path, buf.Bytes())
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// pickler writes the few pickle opcodes a state_dict needs.
type pickler struct{ b bytes.Buffer }

func (p *pickler) op(ops ...byte) { p.b.Write(ops) }

func (p *pickler) proto() { p.op(0x80, 2) }

func (p *pickler) global(module, name string) {
	p.op('c')
	p.b.WriteString(module + "\n" + name + "\n")
}

func (p *pickler) str(s string) {
	p.op('X') // BINUNICODE
	p.b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.b.WriteString(s)
}

func (p *pickler) int(v int64) {
	if v >= 0 && v < 1<<31 {
		p.op('J') // BININT
		p.b.Write(binary.LittleEndian.AppendUint32(nil, uint32(v)))
		return
	}
	p.op(0x8a, 8) // LONG1, 8 bytes
	p.b.Write(binary.LittleEndian.AppendUint64(nil, uint64(v)))
}

func (p *pickler) ints(vs []int64) {
	p.op('(')
	for _, v := range vs {
		p.int(v)
	}
	p.op('t') // TUPLE
}

// tensor writes torch._utils._rebuild_tensor_v2(storage, 0, shape, stride,
// False, OrderedDict()) with the storage as a persistent id
// ('storage', torch.<kind>, key, 'cpu', numel).
func (p *pickler) tensor(kind, key string, numel int64, shape []int64) {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(')
	p.op('(')
	p.str("storage")
	p.global("torch", kind)
	p.str(key)
	p.str("cpu")
	p.int(numel)
	p.op('t', 'Q') // TUPLE, BINPERSID
	p.int(0)
	p.ints(shape)
	stride := make([]int64, len(shape))
	s := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = s
		s *= shape[i]
	}
	p.ints(stride)
	p.op(0x89) // NEWFALSE
	p.global("collections", "OrderedDict")
	p.op(')', 'R')
	p.op('t', 'R')
}
