package interop

import (
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/pickle"

	"github.com/evoprune/evoprune/model"
)

// readHead returns up to n first bytes of a file.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, _ := io.ReadFull(f, b)
	return b[:k], nil
}

// ReadStateDict reads the floating-point tensors of a PyTorch file written by
// torch.save: a state_dict, or a training checkpoint holding one under
// "state_dict" or "model_state_dict". A "module." prefix (DataParallel) is
// removed; integer buffers (num_batches_tracked) are skipped.
func ReadStateDict(path string) (ps []model.HostParam, err error) {
	defer func() {
		if r := recover(); r != nil { // gotch's unpickler on a malformed file
			ps, err = nil, fmt.Errorf("%s: not a PyTorch state_dict: %v", path, r)
		}
	}()
	// Only the zip format: gotch's reader of the legacy format loops forever
	// on some inputs (an empty file among them).
	if head, err := readHead(path, 4); err != nil {
		return nil, err
	} else if string(head) != "PK\x03\x04" {
		return nil, fmt.Errorf("%s: not a PyTorch state_dict in torch.save's zip format (PyTorch >= 1.6; an older file can be re-saved with torch.save)", path)
	}
	v, err := pickle.LoadWithUnpickler(path, func(r io.Reader) pickle.Unpickler { return pickle.NewUnpickler(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: not a PyTorch state_dict: %w", path, err)
	}
	items, ok := dictItems(v)
	if !ok {
		return nil, fmt.Errorf("%s: not a PyTorch state_dict: the file holds a %T, not a dict of tensors", path, v)
	}
	for _, k := range []string{"state_dict", "model_state_dict", "model"} {
		if inner, ok := items[k]; ok {
			if d, ok := dictItems(inner.value); ok {
				items = d
				break
			}
		}
	}
	byOrder := make([]dictItem, len(items))
	for _, it := range items {
		byOrder[it.order] = it
	}
	strip := allPrefixed(byOrder, "module.")
	for _, it := range byOrder {
		st, ok := it.value.(*pickle.StorageTensor)
		if !ok {
			return nil, fmt.Errorf("%s: %q is a %T, not a tensor", path, it.key, it.value)
		}
		d, ok, err := floats(st)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, it.key, err)
		}
		if !ok {
			continue
		}
		name := it.key
		if strip {
			name = strings.TrimPrefix(name, "module.")
		}
		ps = append(ps, model.HostParam{Name: name, Shape: append([]int64{}, st.Size...), Data: d})
	}
	return ps, nil
}

type dictItem struct {
	key   string
	value any
	order int
}

// dictItems returns the string-keyed entries of an unpickled dict.
func dictItems(v any) (map[string]dictItem, bool) {
	out := map[string]dictItem{}
	add := func(k, val any) bool {
		s, ok := k.(string)
		if !ok {
			return false
		}
		out[s] = dictItem{s, val, len(out)}
		return true
	}
	switch d := v.(type) {
	case *pickle.OrderedDict:
		for el := d.List.Front(); el != nil; el = el.Next() {
			e := el.Value.(*pickle.OrderedDictEntry)
			if !add(e.Key, e.Value) {
				return nil, false
			}
		}
	case *pickle.Dict:
		for _, e := range *d {
			if !add(e.Key, e.Value) {
				return nil, false
			}
		}
	default:
		return nil, false
	}
	return out, true
}

func allPrefixed(items []dictItem, prefix string) bool {
	for _, it := range items {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
	}
	return len(items) > 0
}

// floats gathers a stored tensor's values (any strides and offset) as
// float32; ok is false for integer and boolean tensors.
func floats(st *pickle.StorageTensor) (d []float32, ok bool, err error) {
	src := reflect.ValueOf(st.Source.GetData())
	if src.Kind() != reflect.Slice {
		return nil, false, fmt.Errorf("storage holds %s", src.Kind())
	}
	value := func(i int) float32 { return float32(src.Index(i).Float()) }
	switch src.Type().Elem().Kind() {
	case reflect.Float32, reflect.Float64:
	case reflect.Uint16: // half precision
		if st.Source.DType() == gotch.BFloat16 {
			value = func(i int) float32 { return math.Float32frombits(uint32(src.Index(i).Uint()) << 16) }
		} else {
			value = func(i int) float32 { return half(uint16(src.Index(i).Uint())) }
		}
	default:
		return nil, false, nil
	}
	n := int64(1)
	for _, s := range st.Size {
		n *= s
	}
	if len(st.Stride) != len(st.Size) {
		return nil, false, fmt.Errorf("%d strides for %d dimensions", len(st.Stride), len(st.Size))
	}
	d = make([]float32, n)
	idx := make([]int64, len(st.Size))
	for i := range d {
		off := st.StorageOffset
		for j, x := range idx {
			off += x * st.Stride[j]
		}
		if off < 0 || off >= int64(src.Len()) {
			return nil, false, fmt.Errorf("element %d at %d outside its storage of %d (truncated?)", i, off, src.Len())
		}
		d[i] = value(int(off))
		for j := len(idx) - 1; j >= 0; j-- {
			if idx[j]++; idx[j] < st.Size[j] {
				break
			}
			idx[j] = 0
		}
	}
	return d, true, nil
}
