package synth

// profile holds the economic ratios of an industry (DOMAIN.md §5). Each
// firm draws its own ratios uniformly within the ranges; the run then scales
// tax, value added, energy and emissions by one factor each so the 2023
// aggregates of DOMAIN.md §2 come out (the factors are in the manifest).
type profile struct {
	name   string
	energy [2]float64 // total energy, tce per 10k yuan of output
	rd     [2]float64 // R&D spending ÷ revenue
	tax    [2]float64 // tax paid ÷ revenue
	va     [2]float64 // value added ÷ output
	prod   [2]float64 // output per employee, 10k yuan
	elec   [2]float64 // share of total energy that is electricity (equivalent value)
	emis   float64    // main pollutant emissions, equivalent tonnes per tce
	safety float64    // relative risk of a safety accident
	env    float64    // relative risk of an environmental violation
}

// The profiles. Ranges are DOMAIN.md §5's where it gives them; rows §5 does
// not cover (metal products, rubber and plastics, petroleum, mining,
// utilities, software) are rough national orders of magnitude of the same
// kind. Emission factors are set so materials emit most per unit of energy.
var (
	profAuto = &profile{name: "auto", energy: [2]float64{0.02, 0.04}, rd: [2]float64{0.015, 0.03}, tax: [2]float64{0.04, 0.08},
		va: [2]float64{0.18, 0.25}, prod: [2]float64{250, 400}, elec: [2]float64{0.55, 0.75}, emis: 0.00135, safety: 1, env: 0.8}
	profBattery = &profile{name: "battery", energy: [2]float64{0.03, 0.06}, rd: [2]float64{0.02, 0.04}, tax: [2]float64{0.02, 0.04},
		va: [2]float64{0.18, 0.25}, prod: [2]float64{200, 350}, elec: [2]float64{0.7, 0.85}, emis: 0.0018, safety: 1.2, env: 1}
	profElectronics = &profile{name: "electronics", energy: [2]float64{0.01, 0.03}, rd: [2]float64{0.01, 0.03}, tax: [2]float64{0.01, 0.03},
		va: [2]float64{0.10, 0.20}, prod: [2]float64{150, 300}, elec: [2]float64{0.8, 0.95}, emis: 0.0009, safety: 0.6, env: 0.6}
	// Assembly (laptops, phones): thin margins, R&D under 1 % (DOMAIN.md §5).
	profAssembly = &profile{name: "assembly", energy: [2]float64{0.01, 0.02}, rd: [2]float64{0.003, 0.009}, tax: [2]float64{0.008, 0.015},
		va: [2]float64{0.08, 0.12}, prod: [2]float64{150, 300}, elec: [2]float64{0.85, 0.95}, emis: 0.00068, safety: 0.6, env: 0.5}
	profMetals = &profile{name: "metals", energy: [2]float64{0.3, 1.0}, rd: [2]float64{0.005, 0.015}, tax: [2]float64{0.02, 0.04},
		va: [2]float64{0.15, 0.22}, prod: [2]float64{300, 600}, elec: [2]float64{0.25, 0.6}, emis: 0.0054, safety: 2, env: 2.5}
	// Electrolytic smelting of aluminium, magnesium and silicon runs on electricity.
	profSmelting = &profile{name: "smelting", energy: [2]float64{0.6, 1.0}, rd: [2]float64{0.005, 0.015}, tax: [2]float64{0.02, 0.04},
		va: [2]float64{0.15, 0.22}, prod: [2]float64{300, 600}, elec: [2]float64{0.85, 0.95}, emis: 0.0054, safety: 2, env: 2.5}
	profChem = &profile{name: "chemicals", energy: [2]float64{0.2, 0.6}, rd: [2]float64{0.01, 0.02}, tax: [2]float64{0.03, 0.06},
		va: [2]float64{0.18, 0.25}, prod: [2]float64{250, 450}, elec: [2]float64{0.2, 0.45}, emis: 0.00675, safety: 2, env: 3}
	profNonMetal = &profile{name: "non-metallic minerals", energy: [2]float64{0.4, 1.2}, rd: [2]float64{0.005, 0.015}, tax: [2]float64{0.04, 0.07},
		va: [2]float64{0.22, 0.30}, prod: [2]float64{100, 200}, elec: [2]float64{0.1, 0.3}, emis: 0.009, safety: 1.5, env: 3}
	profMetalProducts = &profile{name: "metal products", energy: [2]float64{0.05, 0.12}, rd: [2]float64{0.01, 0.02}, tax: [2]float64{0.025, 0.045},
		va: [2]float64{0.20, 0.25}, prod: [2]float64{120, 250}, elec: [2]float64{0.6, 0.8}, emis: 0.0027, safety: 1.5, env: 1.5}
	profEquipment = &profile{name: "equipment", energy: [2]float64{0.02, 0.05}, rd: [2]float64{0.02, 0.04}, tax: [2]float64{0.03, 0.05},
		va: [2]float64{0.22, 0.28}, prod: [2]float64{100, 200}, elec: [2]float64{0.6, 0.8}, emis: 0.00135, safety: 1, env: 0.7}
	profFood = &profile{name: "food", energy: [2]float64{0.04, 0.1}, rd: [2]float64{0.003, 0.01}, tax: [2]float64{0.03, 0.08},
		va: [2]float64{0.20, 0.30}, prod: [2]float64{100, 250}, elec: [2]float64{0.4, 0.6}, emis: 0.0027, safety: 0.8, env: 1.5}
	// Liquor pays consumption tax: "far higher" (DOMAIN.md §5).
	profLiquor = &profile{name: "liquor", energy: [2]float64{0.04, 0.1}, rd: [2]float64{0.003, 0.01}, tax: [2]float64{0.12, 0.25},
		va: [2]float64{0.35, 0.50}, prod: [2]float64{100, 250}, elec: [2]float64{0.3, 0.5}, emis: 0.0027, safety: 0.8, env: 1.5}
	profLight = &profile{name: "light industry", energy: [2]float64{0.05, 0.15}, rd: [2]float64{0.005, 0.015}, tax: [2]float64{0.02, 0.04},
		va: [2]float64{0.20, 0.25}, prod: [2]float64{50, 120}, elec: [2]float64{0.5, 0.7}, emis: 0.0027, safety: 1, env: 1.2}
	profRubber = &profile{name: "rubber and plastics", energy: [2]float64{0.05, 0.12}, rd: [2]float64{0.01, 0.02}, tax: [2]float64{0.03, 0.05},
		va: [2]float64{0.20, 0.25}, prod: [2]float64{120, 250}, elec: [2]float64{0.6, 0.8}, emis: 0.0027, safety: 1.2, env: 1.5}
	profPharma = &profile{name: "pharmaceuticals", energy: [2]float64{0.05, 0.1}, rd: [2]float64{0.03, 0.06}, tax: [2]float64{0.05, 0.08},
		va: [2]float64{0.30, 0.40}, prod: [2]float64{100, 200}, elec: [2]float64{0.5, 0.7}, emis: 0.00225, safety: 1, env: 1.5}
	profMoto = &profile{name: "motorcycles", energy: [2]float64{0.02, 0.04}, rd: [2]float64{0.015, 0.025}, tax: [2]float64{0.03, 0.05},
		va: [2]float64{0.18, 0.22}, prod: [2]float64{100, 200}, elec: [2]float64{0.55, 0.75}, emis: 0.00135, safety: 1, env: 0.8}
	profPetro = &profile{name: "petroleum and coal products", energy: [2]float64{0.5, 1.5}, rd: [2]float64{0.003, 0.01}, tax: [2]float64{0.05, 0.10},
		va: [2]float64{0.15, 0.25}, prod: [2]float64{300, 600}, elec: [2]float64{0.1, 0.25}, emis: 0.009, safety: 3, env: 3}
	profMining = &profile{name: "mining", energy: [2]float64{0.1, 0.3}, rd: [2]float64{0.003, 0.01}, tax: [2]float64{0.06, 0.12},
		va: [2]float64{0.35, 0.50}, prod: [2]float64{100, 250}, elec: [2]float64{0.3, 0.5}, emis: 0.009, safety: 5, env: 2.5}
	profUtility = &profile{name: "utilities", energy: [2]float64{0.1, 0.6}, rd: [2]float64{0.002, 0.008}, tax: [2]float64{0.03, 0.06},
		va: [2]float64{0.25, 0.40}, prod: [2]float64{200, 400}, elec: [2]float64{0.3, 0.6}, emis: 0.009, safety: 1.5, env: 1.5}
	// Software and IT services report revenue and employees only; prod is
	// revenue per employee.
	profSoftware = &profile{name: "software", prod: [2]float64{30, 80}}
)

// profileOverrides give some classes a profile other than their sector's.
var profileOverrides = map[string]*profile{
	"3911": profAssembly, "3922": profAssembly, // computers and phones: assembly
	"3841": profBattery,
	"3216": profSmelting, "3217": profSmelting, "3218": profSmelting,
	"1512": profLiquor,
}
