package interop

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/evoprune/evoprune/model"
)

// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}
// and the tensors' bytes, offsets counted from the end of the header.
type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes ps as float32 ("F32") tensors with metadata.
func WriteSafetensors(path string, ps []model.HostParam, meta map[string]string) error {
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, p := range ps {
		n := int64(len(p.Data)) * 4
		header[p.Name] = stEntry{DType: "F32", Shape: nonNil(p.Shape), Offsets: [2]int64{off, off + n}}
		off += n
	}
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for len(h)%8 != 0 { // the format aligns the data to 8 bytes
		h = append(h, ' ')
	}
	buf := make([]byte, 8, 8+len(h)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	buf = append(buf, h...)
	for _, p := range ps {
		buf = appendFloats(buf, p.Data)
	}
	return writeFile(path, buf)
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func appendFloats(buf []byte, d []float32) []byte {
	for _, v := range d {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	return buf
}

// ReadSafetensors reads every floating-point tensor of a safetensors file
// (F32, F64, F16, BF16) as float32, in file order; integer tensors (such as
// num_batches_tracked) are skipped.
func ReadSafetensors(path string) ([]model.HostParam, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file (%d bytes)", path, len(b))
	}
	hl := binary.LittleEndian.Uint64(b)
	if hl > uint64(len(b)-8) || hl > 100<<20 {
		return nil, fmt.Errorf("%s: not a safetensors file, or truncated (header of %d bytes in a file of %d)", path, hl, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+hl], &raw); err != nil {
		return nil, fmt.Errorf("%s: not a safetensors file: header: %w", path, err)
	}
	body := b[8+hl:]
	type named struct {
		name string
		e    stEntry
	}
	var es []named
	for k, v := range raw {
		if k == "__metadata__" {
			continue
		}
		var e stEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, k, err)
		}
		es = append(es, named{k, e})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].e.Offsets[0] < es[j].e.Offsets[0] })
	var out []model.HostParam
	for _, x := range es {
		e := x.e
		size := map[string]int64{"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}[e.DType]
		if size == 0 {
			return nil, fmt.Errorf("%s: tensor %q: unknown dtype %q", path, x.name, e.DType)
		}
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%s: tensor %q: shape %v", path, x.name, e.Shape)
			}
			n *= d
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if lo < 0 || hi > int64(len(body)) || hi-lo != n*size {
			return nil, fmt.Errorf("%s: tensor %q: data [%d, %d) does not fit %d values of %s in %d bytes (truncated?)",
				path, x.name, lo, hi, n, e.DType, len(body))
		}
		src := body[lo:hi]
		d := make([]float32, n)
		switch e.DType {
		case "F32":
			for i := range d {
				d[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
			}
		case "F64":
			for i := range d {
				d[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
			}
		case "F16":
			for i := range d {
				d[i] = half(binary.LittleEndian.Uint16(src[2*i:]))
			}
		case "BF16":
			for i := range d {
				d[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
			}
		default:
			continue
		}
		out = append(out, model.HostParam{Name: x.name, Shape: e.Shape, Data: d})
	}
	return out, nil
}

// half converts an IEEE 754 binary16 value to float32.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		return float32(math.Copysign(float64(frac)*math.Pow(2, -24), float64(int32(sign)>>31|1)))
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | frac<<13)
}

// writeFile writes b to a temporary name and renames it: path is never
// half-written.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
